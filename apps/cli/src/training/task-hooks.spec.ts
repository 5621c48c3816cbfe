import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS_LOG_FILE } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli } from '../testing/cli.test-support.js';
import { PROBE_TASK_NAME, type ProbeRecord, probeFile } from '../testing/own-pipeline-task.test-support.js';

const PLUGIN = fileURLToPath(new URL('../testing/own-pipeline-task.test-support.ts', import.meta.url));

const config = (method: string, out: string) => `
plugins: [${PLUGIN}]
model: model
task: ${PROBE_TASK_NAME}
${PROBE_TASK_NAME}: { rows: 8 }
method: ${method}
${method === 'lora' ? 'lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }' : ''}
data: { path: lines.txt }
training: { output_dir: ${out}, max_steps: 3, per_device_train_batch_size: 4, learning_rate: 5.0e-2, logging_steps: 1, save_steps: 10 }
`;

const metrics = async (dir: string) =>
  (await readFile(join(dir, METRICS_LOG_FILE), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, number>);

describe('tunekit train with a task that brings its own data, model and context (TaskProvider hooks)', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.write('lines.txt', Array.from({ length: 12 }, (_, i) => `line ${i} says hello to the world`).join('\n'));
    await ws.write('lora.yaml', config('lora', 'out-lora'));
    await ws.write('full.yaml', config('full', 'out-full'));
  });
  afterAll(() => ws.remove());

  it('loads the data and the model with the task’s hooks and gives create() the tokenizer, executor, output dir and adapter switch', async () => {
    const run = await runCli(['train', ws.path('lora.yaml')]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`model: ${ws.model} (probe loader)`);
    expect(run.stdout).toMatch(/^data: 8 probe rows of 6 tokens$/m);
    expect(run.stdout).toMatch(/^method: lora {2}trainable params: 1,792 /m);
    const out = ws.path('out-lora');
    const probe = JSON.parse(await readFile(probeFile(out), 'utf8')) as ProbeRecord;
    expect(probe).toEqual({ method: 'lora', executor: 'ort', outputDir: out, hasDisableAdapter: true, hasMergedAdapter: true, eosTokenId: probe.eosTokenId, dataPath: 'lines.txt', trainBatchSize: 4 });
    expect(typeof probe.eosTokenId).toBe('number');
    // disableAdapter traces the base: equal to the loss while LoRA's B is zero, then apart, while the base itself never moves.
    const logs = (await metrics(out)).filter((m) => m.base_loss !== undefined);
    expect(logs.length).toBe(3);
    expect(logs[0].loss).toBeCloseTo(logs[0].base_loss, 5);
    expect(Math.abs(logs[2].loss - logs[2].base_loss)).toBeGreaterThan(1e-3);
    expect(await readFile(join(out, 'adapter_config.json'), 'utf8')).toContain('"peft_type": "LORA"');
  });

  it('gives no adapter switch to a method that trains the base weights (full)', async () => {
    const run = await runCli(['train', ws.path('full.yaml')]);
    expect(run.code).toBe(0);
    const probe = JSON.parse(await readFile(probeFile(ws.path('out-full')), 'utf8')) as ProbeRecord;
    expect(probe).toMatchObject({ method: 'full', hasDisableAdapter: false, hasMergedAdapter: false });
  });

  it('refuses what needs the causal LM (samples, evaluation, quantization) for a task with its own model', async () => {
    await ws.write('samples.yaml', `${config('lora', 'out-s')}samples: ["Q1:"]\n`);
    const run = await runCli(['train', ws.path('samples.yaml')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`samples are completed by generating text, but task "${PROBE_TASK_NAME}" loads its own model (not a causal LM); drop it`);
    // Its model does not wrap the run's causal LM (the reward task's does), so a quantization section could not reach it.
    await ws.write('quant.yaml', `${config('lora', 'out-q')}quantization: { load_in_4bit: true }\n`);
    const quant = await runCli(['train', ws.path('quant.yaml')]);
    expect(quant.code).toBe(2);
    expect(quant.stderr).toContain(`quantization quantizes the causal LM while loading, but task "${PROBE_TASK_NAME}" loads its own model (not a causal LM); drop it`);
  });
});
