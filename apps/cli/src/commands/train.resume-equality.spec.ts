import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli, yesRecords } from '../testing/cli.test-support.js';

/**
 * Stopping at step 2 and resuming gives the losses of every later step bitwise, for every method:
 * the checkpoint holds all the state a step reads (weights, optimizer moments, schedule, RNG, data
 * position), and each method's checkpointer restores its own trainable state. Dropout is on where a
 * method has it, so the RNG state is part of what is checked.
 */
const SECTIONS: Readonly<Record<string, string>> = {
  lora: 'method: lora\nlora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: [q_proj, v_proj] }',
  dora: 'method: lora\nlora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: [q_proj, v_proj], use_dora: true }',
  ia3: 'method: ia3\nia3: {}',
  adapter: 'method: adapter\nadapter: { config: houlsby, bottleneck_size: 8 }',
  prefix_tuning: 'method: prefix_tuning\nprefix_tuning: { num_virtual_tokens: 4, prefix_projection: true, encoder_hidden_size: 16 }',
  prompt_tuning: 'method: prompt_tuning\nprompt_tuning: { num_virtual_tokens: 4 }',
  full: 'method: full',
  qlora: 'method: lora\nlora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: [q_proj, v_proj] }\nquantization: { load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true }',
};

const config = (section: string, out: string) => `model: model
${section}
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: ${out}
  max_steps: 4
  per_device_train_batch_size: 4
  learning_rate: 3.0e-2
  lr_scheduler_type: cosine
  warmup_steps: 1
  logging_steps: 1
  save_steps: 2
`;

/** Each step's training loss as metrics.jsonl logged it. */
async function losses(dir: string): Promise<Map<number, number>> {
  const rows = (await readFile(join(dir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number });
  return new Map(rows.filter((r) => r.loss !== undefined).map((r) => [r.step, r.loss!]));
}

describe('resuming gives the uninterrupted run, step for step, for every method', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(16));
  });
  afterAll(() => ws.remove());

  it.each(Object.keys(SECTIONS))('%s', async (method) => {
    await ws.write(`${method}.yaml`, config(SECTIONS[method], `${method}-whole`));
    const whole = await runCli(['train', ws.path(`${method}.yaml`)]);
    expect(whole.code, whole.stderr).toBe(0);
    const resumed = await runCli([
      'train',
      ws.path(`${method}.yaml`),
      '--set',
      `training.output_dir=${method}-resumed`,
      '--set',
      `training.resume_from_checkpoint=${ws.path(`${method}-whole/checkpoint-2`)}`,
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming at step 2');
    const [a, b] = await Promise.all([losses(ws.path(`${method}-whole`)), losses(ws.path(`${method}-resumed`))]);
    expect([...a.keys()]).toEqual([1, 2, 3, 4]);
    for (const step of [3, 4]) expect(b.get(step), `step ${step}`).toBe(a.get(step));
  });
});
