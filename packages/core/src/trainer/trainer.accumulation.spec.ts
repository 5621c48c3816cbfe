import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { EventOf } from '../events/events.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { CausalLmTask } from './causal-lm.task.js';
import { InMemoryDataSource } from './in-memory.data-source.js';
import { Trainer } from './trainer.js';
import { args, examples, tempDir, tinyLm } from './trainer.test-support.js';
import type { TrainingArguments } from './training-arguments.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

/** One SGD step (lr 0.1) without dropout on the same two examples; returns the step event and the weights. */
async function oneStep(overrides: Partial<TrainingArguments>, batchSize: number) {
  const bus = new EventBus();
  const steps: EventOf<'step'>[] = [];
  bus.on('step').subscribe((e) => steps.push(e));
  const task = new CausalLmTask(tinyLm(0));
  const a = args({ output_dir: tempDir(), optim: 'sgd', learning_rate: 0.1, max_steps: 1, save_strategy: 'no', max_grad_norm: 0, per_device_train_batch_size: batchSize, ...overrides });
  await Trainer.create({ args: a, task, executor, bus }).train(new InMemoryDataSource(examples(2), { batchSize, shuffle: false }));
  return { step: steps[0], weights: [...task.namedParameters()].map(([, p]) => p.value.toFloat32()) };
}

const initial = tinyLm(0)
  .parameters()
  .map((p) => p.value.toFloat32());

describe('Trainer: accumulation and clipping', () => {
  it('two micro-batches of 1 with accumulation 2 make the same step as one batch of 2 (HF 1/N scaling)', async () => {
    const whole = await oneStep({}, 2);
    const split = await oneStep({ gradient_accumulation_steps: 2 }, 1);
    expect(split.step.loss).toBeCloseTo(whole.step.loss, 5);
    expect(split.step.gradNorm).toBeCloseTo(whole.step.gradNorm, 5);
    whole.weights.forEach((w, k) => w.forEach((x, i) => expect(Math.abs(split.weights[k][i] - x)).toBeLessThan(1e-6)));
    expect(split.step.tokens).toBe(24);
  });

  it('reports grad_norm before clipping and clips the update to max_grad_norm', async () => {
    const free = await oneStep({}, 2);
    const clipped = await oneStep({ max_grad_norm: 1e-3 }, 2);
    expect(clipped.step.gradNorm).toBe(free.step.gradNorm);
    expect(free.step.gradNorm).toBeGreaterThan(0.01);
    // SGD moves the weights by lr * clipped grad, whose norm is max_grad_norm.
    let sq = 0;
    clipped.weights.forEach((w, k) => w.forEach((x, i) => (sq += (x - initial[k][i]) ** 2)));
    expect(Math.sqrt(sq)).toBeCloseTo(0.1 * 1e-3, 6);
  });
});
