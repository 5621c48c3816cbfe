import { AdamW, type Executor, HostTensor, OrtExecutor, ReferenceExecutor, Rng, Tensor, TrainStep, grad } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { CausalLM } from './causal-lm.interface.js';
import { createModel } from './create-model.js';
import { parseModelConfig } from '../config/model-config.js';
import { tinyConfigJson } from '../testing/create-tiny-model.js';

// The engine's end-to-end test subject is the real Llama decoder: core's TrainStep, executors and
// gradient checkpointing are checked on the model users train, not on a second copy of it.
const SHAPE = { arch: 'llama', hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: 32 } as const;
const [B, T] = [2, 12];

const llama = (seed = 7, shape: { vocab?: number; hidden?: number; intermediate?: number } = {}): CausalLM => createModel(parseModelConfig(tinyConfigJson({ ...SHAPE, ...shape })), { seed }) as CausalLM;

/**
 * B random rows; the model shifts labels inside, so labels are the ids themselves. (The seed gives
 * rows that start with different tokens: a shared first token would make the batch unlearnable.)
 */
function batch(): { ids: HostTensor; labels: HostTensor } {
  const rng = new Rng(1);
  const ids = Array.from({ length: B * T }, () => rng.int(SHAPE.vocab));
  return { ids: HostTensor.i64([B, T], ids), labels: HostTensor.i64([B, T], ids) };
}

const traceLoss = (model: CausalLM, rows = B) => () => model.loss(Tensor.input('ids', [rows, T], 'i64'), Tensor.input('labels', [rows, T], 'i64'));

async function train(executor: Executor, steps: number, checkpointing = false): Promise<number[]> {
  const model = llama();
  model.setGradientCheckpointing(checkpointing);
  const params = model.trainableParameters();
  const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
  const step = new TrainStep(executor, params);
  const feeds = batch();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    losses.push((await step.run(traceLoss(model), feeds)).loss);
    opt.step();
    opt.zeroGrad();
  }
  return losses;
}

describe('the Llama decoder trained by core TrainStep overfits one batch', () => {
  const ort = new OrtExecutor();
  afterAll(() => ort.dispose());

  it('reaches loss < 0.05 on ONNX Runtime, compiling one program for the whole run', async () => {
    const losses = await train(ort, 80);
    expect(losses[0]).toBeGreaterThan(Math.log(SHAPE.vocab) - 0.5);
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
    const model = llama();
    const params = model.trainableParameters();
    const step = new TrainStep(ort, params);
    const { ids, labels } = batch();
    const row = (t: HostTensor, b: number) => HostTensor.i64([1, T], Array.from(t.data as BigInt64Array).slice(b * T, (b + 1) * T));
    await step.run(traceLoss(model), { ids, labels });
    const whole = params.map((p) => Float32Array.from(p.grad!));
    params.forEach((p) => p.zeroGrad());
    for (let b = 0; b < B; b++) await step.run(traceLoss(model, 1), { ids: row(ids, b), labels: row(labels, b) }, 1 / B);
    params.forEach((p, k) => {
      const g = p.grad!;
      for (let i = 0; i < g.length; i++) expect(Math.abs(g[i] - whole[k][i])).toBeLessThan(1e-6 + 1e-4 * Math.abs(whole[k][i]));
    });
  });

  it('gives the same losses with gradient checkpointing', async () => {
    const steps = 5;
    const plain = await train(ort, steps);
    const ckpt = await train(ort, steps, true);
    for (let s = 0; s < steps; s++) expect(ckpt[s]).toBeCloseTo(plain[s], 5);
  });

  it('runs a whole training step (loss and gradients) on ONNX Runtime like the reference executor', async () => {
    const model = llama(3, { vocab: 11, hidden: 16, intermediate: 24 });
    const trace = () => {
      const loss = model.loss(Tensor.input('ids', [2, 5], 'i64'), Tensor.input('labels', [2, 5], 'i64'));
      return [loss, ...grad(loss, model.parameters())];
    };
    const feeds = {
      ids: HostTensor.i64([2, 5], [1, 4, 2, 9, 0, 3, 3, 7, 10, 5]),
      labels: HostTensor.i64([2, 5], [4, 2, 9, 0, -100, 3, 7, 10, 5, -100]),
    };
    const exec = new OrtExecutor({ threads: 1 });
    const got = await exec.compile(trace()).run(feeds);
    const want = await new ReferenceExecutor().compile(trace()).run(feeds);
    got.forEach((g, i) => {
      const [x, y] = [g.toFloat32(), want[i].toFloat32()];
      for (let j = 0; j < x.length; j++) expect(Math.abs(x[j] - y[j]), `output ${i}[${j}]`).toBeLessThan(1e-4);
    });
    await exec.compile(trace()).run(feeds);
    expect(exec.sessionsCreated).toBe(1);
    await exec.dispose();
  });
});
