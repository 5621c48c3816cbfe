import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { METRICS_LOG_FILE, SafetensorsFile } from '@tunekit/core';
import { loadSequenceClassifier } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli } from '../testing/cli.test-support.js';

/** Pairs a reward model learns in a few steps: a "yes" answer is preferred to a "no". */
const pairs = (n: number) => Array.from({ length: n }, (_, i) => ({ prompt: `Q${i}: is it?`, chosen: ' yes', rejected: ' no' }));

const config = (method: string, out: string, lr: number, extra = '') => `${extra}
model: model
task: reward
method: ${method}
${method === 'lora' ? 'lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }' : ''}
data: { path: prefs.jsonl, max_length: 32, validation_split: 0.25 }
training: { output_dir: ${out}, max_steps: 12, per_device_train_batch_size: 4, per_device_eval_batch_size: 4, learning_rate: ${lr}, logging_steps: 4, eval_strategy: steps, eval_steps: 12, save_steps: 100 }
`;

const logs = async (dir: string) =>
  (await readFile(join(dir, METRICS_LOG_FILE), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);

async function tensorNames(file: string): Promise<string[]> {
  const st = await SafetensorsFile.open(file);
  try {
    return st.names();
  } finally {
    await st.close();
  }
}

describe('tunekit train with task: reward', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('prefs.jsonl', pairs(32));
    await ws.write('lora.yaml', config('lora', 'out-lora', 2.0e-2));
    await ws.write('full.yaml', config('full', 'out-full', 1.0e-3));
    await ws.write('qlora.yaml', config('lora', 'out-qlora', 2.0e-2, 'quantization: { load_in_4bit: true, bnb_4bit_quant_type: nf4 }'));
    await ws.write('scratch.yaml', config('full', 'out-scratch', 1.0e-3).replace('model: model', 'model: { path: model, train_from_scratch: true }'));
  });
  afterAll(() => ws.remove());

  it('trains LoRA with the score head (PEFT SEQ_CLS) and learns to rank the pairs', async () => {
    const run = await runCli(['train', ws.path('lora.yaml')]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model: .* \(llama, f32, new reward head score \[1, 64\]\)$/m);
    expect(run.stdout).toMatch(/^data: 32 rows read: 24 training pairs \(preference\), 8 validation pairs$/m);
    const out = ws.path('out-lora');
    const adapter = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    expect(adapter).toMatchObject({ peft_type: 'LORA', task_type: 'SEQ_CLS', modules_to_save: ['score'] });
    const names = await tensorNames(join(out, 'adapter_model.safetensors'));
    expect(names).toContain('base_model.model.score.weight');
    expect(names.some((n) => n.includes('lora_A'))).toBe(true);
    const entries = await logs(out);
    const evals = entries.filter((e) => e.eval_accuracy !== undefined);
    expect(evals.at(-1)!.eval_accuracy).toBe(1);
    expect(entries.filter((e) => e.accuracy !== undefined && e['rewards/chosen'] !== undefined).length).toBeGreaterThan(0);
    // The saved SEQ_CLS adapter (LoRA and the head) on the base scores the pairs as the run's eval did.
    const score = await runCli(['score', '--model', ws.model, '--adapter', out, '--data', ws.path('prefs.jsonl'), '--json']);
    expect(score.code).toBe(0);
    expect(JSON.parse(score.stdout)).toMatchObject({ mode: 'reward_model', pairs: 32, accuracy: 1 });
  });

  it('full fine-tuning saves a checkpoint transformers loads as LlamaForSequenceClassification', async () => {
    const run = await runCli(['train', ws.path('full.yaml')]);
    expect(run.code).toBe(0);
    const out = ws.path('out-full');
    const saved = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(saved).toMatchObject({ architectures: ['LlamaForSequenceClassification'], id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 } });
    expect(typeof saved.pad_token_id).toBe('number');
    const names = await tensorNames(join(out, 'model.safetensors'));
    expect(names).toContain('score.weight');
    expect(names.some((n) => n.startsWith('lm_head'))).toBe(false);
    const model = await loadSequenceClassifier(out);
    expect(model.numLabels).toBe(1);
    expect((await logs(out)).filter((e) => e.eval_accuracy !== undefined).at(-1)!.eval_accuracy).toBe(1);
  });

  it('puts the head on a 4-bit base for QLoRA, as PEFT does with a bitsandbytes backbone', async () => {
    const run = await runCli(['train', ws.path('qlora.yaml')]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model: .* \(llama, f32, 4-bit nf4.*layers quantized while loading, new reward head score \[1, 64\]\)$/m);
    const out = ws.path('out-qlora');
    expect(JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'))).toMatchObject({ task_type: 'SEQ_CLS', modules_to_save: ['score'] });
    expect((await logs(out)).filter((e) => e.eval_accuracy !== undefined).at(-1)!.eval_accuracy).toBe(1);
  });

  it('trains a reward model from a random init with train_from_scratch', async () => {
    const run = await runCli(['train', ws.path('scratch.yaml')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^model: .* \(llama, f32, from scratch, new reward head score \[1, 64\]\)$/m);
    // The saved backbone grew from the random init, not from the stored weights.
    const [stored, trained] = await Promise.all([loadSequenceClassifier(ws.path('out-full')), loadSequenceClassifier(ws.path('out-scratch'))]);
    const name = 'model.embed_tokens.weight';
    const values = (m: typeof stored) => m.namedParameters().find(([n]) => n === name)![1].value.data as Float32Array;
    expect(values(trained)).not.toEqual(values(stored));
    expect((await logs(ws.path('out-scratch'))).some((e) => e.loss !== undefined)).toBe(true);
  });
});
