import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtExecutor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, generate, loadModel } from '@tunekit/models';
import { PREFIX_TUNING_METHOD, PROMPT_TUNING_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, logits, maxAbsDiff, runCli, yesRecords } from '../testing/cli.test-support.js';

/** One run config per method; `tunekit train` reads the method's options from the section named after it. */
const config = (method: string, options: string) => `
model: model
method: ${method}
${method}: ${options}
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: ${method}-out
  max_steps: 4
  per_device_train_batch_size: 4
  learning_rate: 3.0e-2
  lr_scheduler_type: constant
  logging_steps: 1
  save_steps: 2
`;

interface MethodCase {
  readonly method: string;
  readonly plugin: PeftMethod;
  readonly options: string;
  /** The tiny llama: hidden 64, 4 heads, 2 kv heads of 16, 2 layers. */
  readonly trainableLine: string;
  readonly config: (model: string) => Record<string, unknown>;
  readonly shape: number[];
  /** Files a checkpoint holds besides the trainer's own. */
  readonly adapterFiles: string[];
}

const CASES: readonly MethodCase[] = [
  {
    method: 'prompt_tuning',
    plugin: PROMPT_TUNING_METHOD,
    options: '{ num_virtual_tokens: 4, prompt_tuning_init: text, prompt_tuning_init_text: "Answer:" }',
    // 4 rows of the hidden size.
    trainableLine: 'trainable params: 256 || all params:',
    config: (model) => ({
      peft_type: 'PROMPT_TUNING', task_type: 'CAUSAL_LM', inference_mode: true, base_model_name_or_path: model, num_virtual_tokens: 4, token_dim: 64,
      num_transformer_submodules: 1, num_attention_heads: 4, num_layers: 2, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Answer:', tokenizer_name_or_path: model,
    }),
    shape: [4, 64],
    adapterFiles: ['adapter_config.json', 'adapter_model.safetensors'],
  },
  {
    method: 'prefix_tuning',
    plugin: PREFIX_TUNING_METHOD,
    options: '{ num_virtual_tokens: 4, prefix_projection: true, encoder_hidden_size: 16 }',
    // embedding 4x32 + transform.0 16x32+16 + transform.2 128x16+128 (token_dim = 2 kv heads x 16).
    trainableLine: 'trainable params: 2,832 || all params:',
    config: (model) => ({
      peft_type: 'PREFIX_TUNING', task_type: 'CAUSAL_LM', inference_mode: true, base_model_name_or_path: model, num_virtual_tokens: 4, token_dim: 32,
      num_transformer_submodules: 1, num_attention_heads: 2, num_layers: 2, prefix_projection: true, encoder_hidden_size: 16,
    }),
    // The projected prefix: 2 layers x (key, value) x 32.
    shape: [4, 128],
    // PEFT's file holds the MLP's output; the MLP itself is checkpointed beside it for an exact resume.
    adapterFiles: ['adapter_config.json', 'adapter_model.safetensors', 'trainable_parameters.safetensors'],
  },
];

async function tensors(file: string): Promise<Map<string, Float32Array>> {
  const st = await SafetensorsFile.open(file);
  try {
    const out = new Map<string, Float32Array>();
    for await (const [name, t] of st.entries()) out.set(name, t.toFloat32());
    return out;
  } finally {
    await st.close();
  }
}

describe.each(CASES)('tunekit train with method: $method', (c) => {
  let ws: Workspace;
  let yaml: string;
  const out = () => ws.path(`${c.method}-out`);

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(16));
    yaml = await ws.write('run.yaml', config(c.method, c.options));
    const run = await runCli(['train', yaml]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`method: ${c.method}  ${c.trainableLine}`);
  });
  afterAll(() => ws.remove());

  it("writes PEFT's adapter files and checkpoints that hold it", async () => {
    expect(JSON.parse(await readFile(join(out(), 'adapter_config.json'), 'utf8'))).toMatchObject(c.config(ws.model));
    const adapter = await tensors(join(out(), 'adapter_model.safetensors'));
    expect([...adapter.keys()]).toEqual(['prompt_embeddings']);
    expect(adapter.get('prompt_embeddings')!.length).toBe(c.shape[0] * c.shape[1]);
    const st = await SafetensorsFile.open(join(out(), 'adapter_model.safetensors'));
    expect(st.info('prompt_embeddings').shape).toEqual(c.shape);
    await st.close();

    expect((await readdir(out())).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-2', 'checkpoint-4']);
    const checkpointFiles = (await readdir(join(out(), 'checkpoint-2'))).filter((n) => !/^(optimizer|rng_state|scheduler|trainer_state|training_args)\./.test(n)).sort();
    expect(checkpointFiles).toEqual(c.adapterFiles);
    const last = await tensors(join(out(), 'checkpoint-4', 'adapter_model.safetensors'));
    expect(maxAbsDiff(adapter.get('prompt_embeddings')!, last.get('prompt_embeddings')!)).toBe(0);
    // Trained: the saved prompt moved between the checkpoints.
    const earlier = await tensors(join(out(), 'checkpoint-2', 'adapter_model.safetensors'));
    expect(maxAbsDiff(adapter.get('prompt_embeddings')!, earlier.get('prompt_embeddings')!)).toBeGreaterThan(0);
  });

  it("resumes from a checkpoint and reaches the uninterrupted run's adapter", async () => {
    const resumed = await runCli(['train', yaml, '--set', `training.output_dir=${c.method}-resumed`, '--set', `training.resume_from_checkpoint=${join(out(), 'checkpoint-2')}`]);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming at step 2');
    const a = await tensors(join(out(), 'adapter_model.safetensors'));
    const b = await tensors(ws.path(`${c.method}-resumed/adapter_model.safetensors`));
    expect(maxAbsDiff(a.get('prompt_embeddings')!, b.get('prompt_embeddings')!)).toBeLessThan(1e-6);
  });

  it('generate --adapter loads it: the tokens loading it in code gives, not the base model\'s logits', async () => {
    const ids = [5, 17, 42, 8];
    const args = ['generate', '--model', ws.model, '--input-ids', ids.join(','), '--max-new-tokens', '5', '--temperature', '0', '--json'];
    const run = await runCli([...args, '--adapter', out()]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    const withAdapter = JSON.parse(run.stdout) as { output_ids: number[] };

    const ref = await loadModel(ws.model);
    const executor = new OrtExecutor();
    try {
      const base = await logits(ref.model as CausalLM, executor);
      await c.plugin.load(ref.model, out(), { trainable: false });
      expect(maxAbsDiff(await logits(ref.model as CausalLM, executor), base)).toBeGreaterThan(1e-3);
      const expected = await generate(ref.model, executor, [ids], { maxNewTokens: 5, doSample: false, generationConfig: ref.generationConfig });
      expect(withAdapter.output_ids).toEqual(expected.outputIds[0]);
    } finally {
      await executor.dispose();
    }
  });

  it('eval --adapter loads it: the trained prompt lowers the loss on its training data', async () => {
    const evalJson = async (...extra: string[]) => {
      const run = await runCli(['eval', '--model', ws.model, '--data', ws.path('train.jsonl'), '--batch-size', '8', '--json', ...extra]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { eval_loss: number; adapter: string | null };
    };
    const base = await evalJson();
    const adapted = await evalJson('--adapter', out());
    expect(adapted.adapter).toBe(out());
    expect(adapted.eval_loss).toBeLessThan(base.eval_loss - 1e-2);
  });

  it('refuses to merge in one line, writing nothing', async () => {
    const run = await runCli(['merge', '--model', ws.model, '--adapter', out(), '--out', ws.path('merged')]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      `tunekit merge: ${c.method}: cannot merge into the base weights: the adapter adds 4 virtual tokens in front of every input and changes no weight; save it and load it on the base model instead`,
    ]);
    expect(existsSync(ws.path('merged'))).toBe(false);
  });
});
