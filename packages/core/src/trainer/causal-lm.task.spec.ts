import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { EventOf } from '../events/events.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { HostTensor } from '../host-tensor.js';
import { F } from '../tensor/functional.js';
import { Tensor } from '../tensor/tensor.js';
import { CALLBACK, EVENT_BUS, EXECUTOR, TASK, TRAINING_ARGUMENTS } from '../tokens.js';
import type { TrainerCallback } from './callbacks/trainer-callback.interface.js';
import { CausalLmTask } from './causal-lm.task.js';
import { evaluateTask } from './evaluation.js';
import { InMemoryDataSource } from './in-memory.data-source.js';
import { registerTrainer } from './register-trainer.js';
import { Trainer } from './trainer.js';
import { args, examples, tempDir, tinyLm } from './trainer.test-support.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

describe('CausalLmTask and evaluation', () => {
  it('weighs a batch by its scored labels, skipping each row\'s first when the model shifts inside', () => {
    const batch = {
      tensors: { input_ids: HostTensor.i64([2, 3], [1, 2, 3, 4, 5, 6]), labels: HostTensor.i64([2, 3], [1, 2, -100, -100, 5, 6]) },
      tokens: 6,
    };
    expect(new CausalLmTask(tinyLm()).trace(batch).weight).toBe(4);
    expect(new CausalLmTask(tinyLm(), { labelsShiftedInside: true }).trace(batch).weight).toBe(3);
  });

  it('eval_loss is the token-weighted mean over the eval set, perplexity its exp, and dropout is off', async () => {
    // Batches of 2 rows with 3 masked labels each, and a last batch of 1 row: unequal weights.
    const data = new InMemoryDataSource(examples(5, 11, 3), { batchSize: 2, shuffle: false });
    const model = tinyLm(0.5);
    const task = new CausalLmTask(model);
    const metrics = await evaluateTask(executor, task, data, 'eval');

    model.eval();
    let sum = 0;
    let tokens = 0;
    for (let b = 0; b < data.numBatches(); b++) {
      const { input_ids: ids, labels } = data.batch(0, b).tensors;
      const perToken = F.crossEntropy(model.call(Tensor.input('ids', ids.shape, 'i64')), Tensor.input('labels', labels.shape, 'i64'), { reduction: 'sum' });
      sum += (await executor.compile([perToken]).run({ ids, labels }))[0].item();
      tokens += labels.size - 3 * labels.shape[0];
    }
    expect(metrics.eval_loss).toBeCloseTo(sum / tokens, 5);
    expect(metrics.eval_perplexity).toBeCloseTo(Math.exp(metrics.eval_loss), 10);
    expect(Object.keys(metrics)).toEqual(['eval_loss', 'eval_perplexity']);
    expect(await evaluateTask(executor, task, data, 'test')).toEqual({ test_loss: metrics.eval_loss, test_perplexity: metrics.eval_perplexity });
  });

  it('rejects a batch without labels and a model without gradient checkpointing', () => {
    const task = new CausalLmTask(tinyLm(0));
    expect(() => task.trace({ tensors: {}, tokens: 0 })).toThrow('causal_lm task: a batch needs input_ids and labels, got []');
    const plain = new CausalLmTask(Object.assign(tinyLm(0), { setGradientCheckpointing: undefined }));
    expect(() => plain.setGradientCheckpointing(true)).toThrow('does not support gradient_checkpointing');
    expect(task.rngs().size).toBe(0);
    expect([...new CausalLmTask(tinyLm(0.1)).rngs().keys()]).toEqual(['model.layers.0.mlp.drop.rng', 'model.layers.1.mlp.drop.rng']);
  });
});

describe('Trainer through DI', () => {
  it('resolves from a container with registerTrainer, attaches built-in and plugin callbacks, and evaluates alone', async () => {
    const dir = tempDir();
    const c = container.createChildContainer();
    const seen: string[] = [];
    const plugin: TrainerCallback = { name: 'plugin', attach: (bus) => bus.events$.subscribe((e) => seen.push(e.type)) };
    c.register(TRAINING_ARGUMENTS, { useValue: args({ output_dir: dir, max_steps: 2, save_strategy: 'no', gradient_checkpointing: true }) });
    const model = tinyLm();
    c.register(TASK, { useValue: new CausalLmTask(model) });
    c.register(EXECUTOR, { useValue: executor });
    c.register(CALLBACK, { useValue: plugin });
    const progress: string[] = [];
    registerTrainer(c, { progressOutput: { isTTY: false, write: (s: string) => progress.push(s) } });

    const trainer = c.resolve(Trainer);
    expect(trainer.bus).toBe(c.resolve(EVENT_BUS));
    const evalEvents: EventOf<'eval'>[] = [];
    trainer.bus.on('eval').subscribe((e) => evalEvents.push(e));
    const result = await trainer.train(new InMemoryDataSource(examples(8), { batchSize: 2 }));
    expect(result.globalStep).toBe(2);
    expect(model.config.gradientCheckpointing).toBe(true);
    expect(seen).toEqual(['train_begin', 'step', 'log', 'step', 'log', 'log', 'train_end']);
    expect(progress.some((l) => /^step 2\/2 {2}epoch \d+\.\d\d {2}loss/.test(l))).toBe(true);
    expect(existsSync(join(dir, 'metrics.jsonl'))).toBe(true);
    expect(existsSync(join(dir, 'checkpoint-2'))).toBe(false); // save_strategy 'no'

    const metrics = await trainer.evaluate(new InMemoryDataSource(examples(4, 5), { batchSize: 2 }));
    expect(evalEvents).toEqual([{ type: 'eval', step: 2, metrics: { ...metrics, epoch: 0.5 } }]);
    expect(seen.at(-1)).toBe('eval'); // callbacks attached for a standalone evaluate too
  });

  it('checks the data source batch size against per_device_train_batch_size', async () => {
    const trainer = Trainer.create({ args: args({ output_dir: tempDir() }), task: new CausalLmTask(tinyLm()), executor, bus: new EventBus() });
    await expect(trainer.train(new InMemoryDataSource(examples(8), { batchSize: 4 }))).rejects.toThrow('the data source makes batches of 4, but per_device_train_batch_size is 2');
  });
});
