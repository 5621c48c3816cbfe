import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '@tunekit/core';
import { createTinyModel } from '@tunekit/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STEP_LOG_FILE } from './index.js';
import { tunekit } from './testing/tunekit.test-support.js';

/** Everything custom comes from the plugin, named by its package name: the executor, the method, the task, a callback. */
const CONFIG = `
plugins: [tunekit-plugin-example]
executor: ort-single-thread
model: model
task: smoothed_sft
smoothed_sft: { label_smoothing: 0.1 }
method: norm_scale
norm_scale: { targets: [norm] }
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: out
  max_steps: 4
  per_device_train_batch_size: 4
  learning_rate: 5.0e-2
  logging_steps: 1
  save_steps: 2
`;

/** The tiny llama's norms: two per layer and the final one, 64 channels each. */
const SCALES = ['model.layers.0.input_layernorm', 'model.layers.0.post_attention_layernorm', 'model.layers.1.input_layernorm', 'model.layers.1.post_attention_layernorm', 'model.norm'].map(
  (n) => `${n}.norm_scale`,
);

const steps = async (dir: string) => (await readFile(join(dir, STEP_LOG_FILE), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { step: number }).step);

describe('tunekit train with the example plugin', () => {
  let root: string;
  let config: string;
  const path = (name: string) => join(root, name);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-plugin-'));
    await createTinyModel({ arch: 'llama', dir: path('model'), seed: 1 });
    const records = Array.from({ length: 16 }, (_, i) => JSON.stringify({ prompt: `Q${i}:`, completion: ' yes' }));
    await writeFile(path('train.jsonl'), `${records.join('\n')}\n`);
    config = path('run.yaml');
    await writeFile(config, CONFIG);
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('trains its method on its task and executor, with its callback attached, and checkpoints the method', async () => {
    const run = await tunekit(['train', config]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^executor: ort-single-thread$/m);
    expect(run.stdout).toMatch(/^method: norm_scale {2}trainable params: 320 \|\| all params: /m);

    const out = path('out');
    expect(JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'))).toEqual({ peft_type: 'NORM_SCALE', targets: ['norm'], base_model_name_or_path: path('model') });
    const scales = await readSafetensors(join(out, 'adapter_model.safetensors'));
    expect([...scales.keys()].sort()).toEqual(SCALES);
    expect([...scales.values()].every((t) => t.toFloat32().some((v) => v !== 0))).toBe(true);

    expect((await readdir(out)).filter((n) => n.startsWith('checkpoint-')).sort()).toEqual(['checkpoint-2', 'checkpoint-4']);
    const checkpointed = await readSafetensors(join(out, 'checkpoint-4', 'adapter_model.safetensors'));
    for (const [name, t] of scales) expect(Array.from(checkpointed.get(name)!.toFloat32())).toEqual(Array.from(t.toFloat32()));
    // The task's own metric (the unsmoothed loss) is logged beside the smoothed training loss.
    const state = JSON.parse(await readFile(join(out, 'checkpoint-4', 'trainer_state.json'), 'utf8')) as { log_history: { step: number; loss?: number; nll?: number }[] };
    const logged = state.log_history.filter((e) => e.nll !== undefined);
    expect(logged.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    for (const e of logged) expect(e.loss!).toBeGreaterThan(e.nll!);
    expect(await steps(out)).toEqual([1, 2, 3, 4]);
  });

  it('eval and generate take it with --plugin: its task measures the trained adapter of its method, on its executor', async () => {
    const common = ['--plugin', 'tunekit-plugin-example', '--executor', 'ort-single-thread', '--model', path('model'), '--adapter', path('out')];
    const evaluated = await tunekit(['eval', ...common, '--task', 'smoothed_sft', '--data', path('train.jsonl'), '--json']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.code).toBe(0);
    const metrics = JSON.parse(evaluated.stdout) as { eval_loss: number; nll: number; perplexity: number };
    expect(metrics.perplexity).toBeCloseTo(Math.exp(metrics.nll), 6);
    // The default smoothing (0.1) weighs in the uniform target, whose -log p is larger.
    expect(metrics.eval_loss).toBeGreaterThan(metrics.nll);
    const generated = await tunekit(['generate', ...common, '--input-ids', '5,17,42', '--max-new-tokens', '3', '--json']);
    expect(generated.code).toBe(0);
    expect((JSON.parse(generated.stdout) as { output_ids: number[] }).output_ids).toHaveLength(3);
  });

  it("resumes from a checkpoint to exactly the uninterrupted run's scales", async () => {
    const resumed = await tunekit(['train', config, '--set', 'training.output_dir=resumed', '--set', `training.resume_from_checkpoint=${join(path('out'), 'checkpoint-2')}`]);
    expect(resumed.stderr).not.toMatch(/\n\s+at /);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('resuming at step 2');
    const a = await readSafetensors(join(path('out'), 'adapter_model.safetensors'));
    const b = await readSafetensors(join(path('resumed'), 'adapter_model.safetensors'));
    expect([...b.keys()].sort()).toEqual(SCALES);
    for (const [name, t] of a) expect(Array.from(b.get(name)!.toFloat32())).toEqual(Array.from(t.toFloat32()));
    expect(await steps(path('resumed'))).toEqual([3, 4]);
    expect(existsSync(join(path('resumed'), 'checkpoint-4'))).toBe(true);
  });
});
