import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import type { Executor } from '../executors/executor.interface.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { AdamW } from '../optim/index.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { TrainStep } from '../train/train-step.js';
import { TinyTransformer, type TinyConfig } from './tiny-transformer.js';

const CONFIG: TinyConfig = { vocab: 32, hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, seed: 7 };
const [B, T] = [2, 12];

function batch(): { ids: HostTensor; labels: HostTensor } {
  const rng = new Rng(99);
  const tokens = Array.from({ length: B * (T + 1) }, () => rng.int(CONFIG.vocab));
  const ids: number[] = [];
  const labels: number[] = [];
  for (let b = 0; b < B; b++) {
    const row = tokens.slice(b * (T + 1), (b + 1) * (T + 1));
    ids.push(...row.slice(0, T));
    labels.push(...row.slice(1));
  }
  return { ids: HostTensor.i64([B, T], ids), labels: HostTensor.i64([B, T], labels) };
}

async function train(executor: Executor, steps: number, config: TinyConfig = CONFIG): Promise<number[]> {
  const model = new TinyTransformer(config);
  const params = model.trainableParameters();
  const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
  const step = new TrainStep(executor, params);
  const { ids, labels } = batch();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const { loss } = await step.run(
      () => model.loss(Tensor.input('ids', [B, T], 'i64'), Tensor.input('labels', [B, T], 'i64')),
      { ids, labels },
    );
    losses.push(loss);
    opt.step();
    opt.zeroGrad();
  }
  return losses;
}

describe('a small transformer built from nn overfits one batch', () => {
  const ort = new OrtExecutor();
  afterAll(() => ort.dispose());

  it('reaches loss < 0.05 on ONNX Runtime, compiling one program for the whole run', async () => {
    const losses = await train(ort, 80);
    expect(losses[0]).toBeGreaterThan(Math.log(CONFIG.vocab) - 0.5);
    expect(losses.at(-1)).toBeLessThan(0.05);
    expect(ort.sessionsCreated).toBe(1);
  });

  it('gives the same losses on the reference executor to 1e-4', async () => {
    const steps = 30;
    const [a, b] = [await train(ort, steps), await train(new ReferenceExecutor(), steps)];
    for (let s = 0; s < steps; s++) expect(Math.abs(a[s] - b[s]), `step ${s}: ort ${a[s]} vs reference ${b[s]}`).toBeLessThan(1e-4);
  });

  it('is reproducible bit for bit from one seed', async () => {
    expect(await train(ort, 6)).toEqual(await train(ort, 6));
  });

  it('accumulating two half batches (scale 1/2) gives the gradients of the whole batch', async () => {
    const model = new TinyTransformer(CONFIG);
    const params = model.trainableParameters();
    const step = new TrainStep(ort, params);
    const { ids, labels } = batch();
    const row = (t: HostTensor, b: number) => HostTensor.i64([1, T], Array.from(t.data as BigInt64Array).slice(b * T, (b + 1) * T));
    const trace = (rows: number) => () => model.loss(Tensor.input('ids', [rows, T], 'i64'), Tensor.input('labels', [rows, T], 'i64'));
    await step.run(trace(B), { ids, labels });
    const whole = params.map((p) => Float32Array.from(p.grad!));
    params.forEach((p) => p.zeroGrad());
    for (let b = 0; b < B; b++) await step.run(trace(1), { ids: row(ids, b), labels: row(labels, b) }, 1 / B);
    params.forEach((p, k) => {
      const g = p.grad!;
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - whole[k][i])).toBeLessThan(1e-6 + 1e-4 * Math.abs(whole[k][i]));
    });
  });

  it('gives the same losses with gradient checkpointing', async () => {
    const steps = 5;
    const plain = await train(ort, steps);
    const ckpt = await train(ort, steps, { ...CONFIG, gradientCheckpointing: true });
    for (let s = 0; s < steps; s++) expect(ckpt[s]).toBeCloseTo(plain[s], 5);
  });
});
