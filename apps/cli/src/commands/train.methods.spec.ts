import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtExecutor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, generate, loadModel } from '@tunekit/models';
import { ADAPTER_METHOD, IA3_METHOD, type PeftMethod } from '@tunekit/peft-lora';
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

const layerKeys = (parts: (layer: number) => string[]) => [0, 1].flatMap(parts).map((k) => `base_model.model.${k}`).sort();

interface MethodCase {
  readonly method: string;
  readonly plugin: PeftMethod;
  readonly options: string;
  readonly peftType: string;
  /** The tiny llama: hidden 64, intermediate 128, 2 kv heads of 16, 2 layers. */
  readonly trainableLine: string;
  readonly keys: string[];
  readonly config: Record<string, unknown>;
  /** Whether a saved tensor moved away from its initial value (ones for (IA)³, zeros for the up projection). */
  readonly trained: (key: string, values: Float32Array) => boolean;
}

const CASES: readonly MethodCase[] = [
  {
    method: 'ia3',
    plugin: IA3_METHOD,
    options: '{}',
    peftType: 'IA3',
    // 2 layers x (k_proj 32 + v_proj 32 + down_proj 128)
    trainableLine: 'trainable params: 384 || all params:',
    keys: layerKeys((l) => [`model.layers.${l}.self_attn.k_proj.ia3_l`, `model.layers.${l}.self_attn.v_proj.ia3_l`, `model.layers.${l}.mlp.down_proj.ia3_l`]),
    config: { target_modules: ['k_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'], fan_in_fan_out: false, init_ia3_weights: true, task_type: 'CAUSAL_LM', inference_mode: true },
    trained: (key, v) => key.endsWith('.ia3_l') && v.some((x) => Math.abs(x - 1) > 1e-4),
  },
  {
    method: 'adapter',
    plugin: ADAPTER_METHOD,
    options: '{ config: houlsby, bottleneck_size: 8, non_linearity: gelu }',
    peftType: 'BOTTLENECK_ADAPTER',
    // 4 sublayers x (down 8x64 + 8, up 64x8 + 64)
    trainableLine: 'trainable params: 4,384 || all params:',
    keys: layerKeys((l) => ['self_attn', 'mlp'].flatMap((s) => ['down', 'up'].flatMap((p) => ['weight', 'bias'].map((w) => `model.layers.${l}.${s}.adapter_${p}.${w}`)))),
    config: { config: 'houlsby', bottleneck_size: 8, reduction_factor: null, non_linearity: 'gelu', layer_norm: false, residual: true, format_version: 1, library: 'tunekit' },
    trained: (key, v) => key.includes('.adapter_up.') && v.some((x) => x !== 0),
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
    expect(run.stdout).toContain(c.trainableLine);
  });
  afterAll(() => ws.remove());

  it('writes the adapter (config, tensors) and checkpoints that hold it', async () => {
    const adapterConfig = JSON.parse(await readFile(join(out(), 'adapter_config.json'), 'utf8'));
    expect(adapterConfig).toMatchObject({ peft_type: c.peftType, base_model_name_or_path: ws.model, ...c.config });
    const adapter = await tensors(join(out(), 'adapter_model.safetensors'));
    expect([...adapter.keys()].sort()).toEqual(c.keys);
    expect([...adapter].some(([k, v]) => c.trained(k, v))).toBe(true);

    expect((await readdir(out())).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-2', 'checkpoint-4']);
    expect(existsSync(join(out(), 'checkpoint-2', 'trainer_state.json'))).toBe(true);
    const last = await tensors(join(out(), 'checkpoint-4', 'adapter_model.safetensors'));
    for (const [k, v] of adapter) expect(maxAbsDiff(v, last.get(k)!)).toBe(0);
    const earlier = await tensors(join(out(), 'checkpoint-2', 'adapter_model.safetensors'));
    expect([...adapter].some(([k, v]) => maxAbsDiff(v, earlier.get(k)!) > 0)).toBe(true);
  });

  it("resumes from a checkpoint and reaches the uninterrupted run's adapter", async () => {
    const resumed = await runCli(['train', yaml, '--set', `training.output_dir=${c.method}-resumed`, '--set', `training.resume_from_checkpoint=${join(out(), 'checkpoint-2')}`]);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming at step 2');
    const a = await tensors(join(out(), 'adapter_model.safetensors'));
    const b = await tensors(ws.path(`${c.method}-resumed/adapter_model.safetensors`));
    expect([...b.keys()].sort()).toEqual(c.keys);
    for (const [k, v] of a) expect(maxAbsDiff(v, b.get(k)!)).toBeLessThan(1e-6);
  });

  it('generate --adapter loads it: the tokens loading it in code gives', async () => {
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
      // The trained adapter changes the model (so matching the adapted generation below says something).
      expect(maxAbsDiff(await logits(ref.model as CausalLM, executor), base)).toBeGreaterThan(1e-3);
      const expected = await generate(ref.model, executor, [ids], { maxNewTokens: 5, doSample: false, generationConfig: ref.generationConfig });
      expect(withAdapter.output_ids).toEqual(expected.outputIds[0]);
    } finally {
      await executor.dispose();
    }
  });

  it('eval --adapter loads it: the trained adapter lowers the loss on its training data', async () => {
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
});

describe('tunekit merge with the new methods', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(8));
    for (const c of CASES) {
      const yaml = await ws.write(`${c.method}.yaml`, config(c.method, c.options));
      const run = await runCli(['train', yaml, '--set', 'training.max_steps=2', '--set', 'training.save_strategy=no']);
      expect(run.code).toBe(0);
    }
  });
  afterAll(() => ws.remove());

  it('folds an (IA)³ adapter into a plain checkpoint with the adapted logits', async () => {
    const run = await runCli(['merge', '--model', ws.model, '--adapter', ws.path('ia3-out'), '--out', ws.path('merged')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const executor = new OrtExecutor();
    try {
      const adapted = await loadModel(ws.model);
      await IA3_METHOD.load(adapted.model, ws.path('ia3-out'), { trainable: false });
      const merged = await loadModel(ws.path('merged'));
      const base = await loadModel(ws.model);
      const expected = await logits(adapted.model as CausalLM, executor);
      expect(maxAbsDiff(await logits(merged.model as CausalLM, executor), expected)).toBeLessThan(1e-4);
      expect(maxAbsDiff(await logits(base.model as CausalLM, executor), expected)).toBeGreaterThan(1e-3);
      const st = await SafetensorsFile.open(join(ws.path('merged'), 'model.safetensors'));
      expect(st.names().some((n) => n.includes('ia3') || n.includes('base_layer'))).toBe(false);
      await st.close();
    } finally {
      await executor.dispose();
    }
  });

  it('refuses to merge a bottleneck adapter in one line, writing nothing', async () => {
    const run = await runCli(['merge', '--model', ws.model, '--adapter', ws.path('adapter-out'), '--out', ws.path('merged-adapter')]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      'tunekit merge: adapter: bottleneck adapters cannot be merged into the base weights (their activation is non-linear); load the adapter on top of the base model instead (tunekit generate/eval --adapter)',
    ]);
    expect(existsSync(ws.path('merged-adapter'))).toBe(false);
  });
});
