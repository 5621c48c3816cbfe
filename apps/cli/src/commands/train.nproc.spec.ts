import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile } from '@tunekit/core';
import { findMpirun, relativeError, reportGoldenError } from '@tunekit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, runCli, yesRecords } from '../testing/cli.test-support.js';

/** SGD: AdamW divides by each gradient's own size, which turns rounding-level differences of near-zero gradients into visible ones. */
const CONFIG = `
model: model
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: out
  max_steps: 4
  per_device_train_batch_size: 2
  gradient_accumulation_steps: 2
  optim: sgd
  learning_rate: 0.5
  logging_steps: 1
  save_steps: 2
`;

const MPIRUN = findMpirun();
if (!MPIRUN) console.log('tunekit train --nproc specs skipped: no mpirun on PATH (apt-get install openmpi-bin libopenmpi-dev)');

async function adapter(dir: string): Promise<Map<string, Float32Array>> {
  const st = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
  try {
    const out = new Map<string, Float32Array>();
    for await (const [name, t] of st.entries()) out.set(name, t.toFloat32());
    return out;
  } finally {
    await st.close();
  }
}

const losses = async (dir: string): Promise<number[]> =>
  lines(await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .map((l) => JSON.parse(l) as { loss?: number })
    .flatMap((m) => (m.loss === undefined ? [] : [m.loss]));

describe.skipIf(!MPIRUN)('tunekit train --nproc 2 (LoRA)', () => {
  let ws: Workspace;
  let config: string;
  beforeAll(async () => {
    ws = await Workspace.create();
    // Every completion is the same answer, so every rank's batch scores as many tokens and the mean of rank means is the global mean.
    await ws.jsonl('train.jsonl', yesRecords(16));
    config = await ws.write('run.yaml', CONFIG);
  });
  afterAll(() => ws.remove());

  it('trains the adapter that one process with twice the batch trains: losses and weights within 1e-6 relative, one rank writing', async () => {
    const one = await runCli(['train', config, '--set', 'training.output_dir=one', '--set', 'training.per_device_train_batch_size=4']);
    expect(one.code, one.stderr).toBe(0);
    const two = await runCli(['train', config, '--nproc', '2', '--set', 'training.output_dir=two']);
    expect(two.code, two.stderr).toBe(0);
    // One rank speaks: the summary lines appear once.
    expect(two.stdout.match(/^saved /gm)).toHaveLength(1);

    const [a, b] = [await adapter(ws.path('one')), await adapter(ws.path('two'))];
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    const errors = [...a].map(([name, want]) => [name, relativeError(b.get(name)!, want)] as const);
    reportGoldenError('--nproc 2 LoRA worst adapter tensor', Math.max(...errors.map(([, e]) => e)));
    for (const [name, err] of errors) expect(err, name).toBeLessThanOrEqual(1e-6);
    const [la, lb] = [await losses(ws.path('one')), await losses(ws.path('two'))];
    expect(lb).toHaveLength(4);
    expect(reportGoldenError('--nproc 2 LoRA losses', relativeError(lb, la))).toBeLessThanOrEqual(1e-6);
  });
});
