import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { EventOf } from '../events/events.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { readSafetensors } from '../safetensors/safetensors.reader.js';
import { CausalLmTask } from './causal-lm.task.js';
import { MetricsLogCallback } from './callbacks/metrics-log.callback.js';
import { EarlyStoppingCallback } from './callbacks/early-stopping.callback.js';
import type { Batch } from './data-source.interface.js';
import { InMemoryDataSource } from './in-memory.data-source.js';
import { NonFiniteLossError } from './non-finite-loss.error.js';
import type { Task, TaskOutput } from './task.interface.js';
import { Trainer, type TrainResult } from './trainer.js';
import { args, examples, tempDir, tinyLm } from './trainer.test-support.js';
import type { TrainingArguments } from './training-arguments.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

/** 16 examples in batches of 2: 8 micro-batches, 4 optimizer steps per epoch with accumulation 2. */
const trainData = () => new InMemoryDataSource(examples(16), { batchSize: 2, seed: 3 });

/** The run the resume tests replay: dropout, accumulation 2, cosine with warmup, AdamW, 10 steps over 3 epochs. */
const RESUME_ARGS = {
  max_steps: 10,
  gradient_accumulation_steps: 2,
  lr_scheduler_type: 'cosine',
  warmup_steps: 3,
  weight_decay: 0.01,
  optim: 'adamw_torch',
  save_steps: 3,
} as const satisfies Partial<TrainingArguments>;

interface Recorded {
  trainer: Trainer;
  result: TrainResult;
  steps: EventOf<'step'>[];
  events: string[];
}

/** Runs a fresh model + task + trainer; `during` may subscribe to the bus (to stop, interrupt, ...). */
async function runTrainer(a: TrainingArguments, opts: { during?: (bus: EventBus) => void; task?: (t: CausalLmTask) => Task; evalData?: InMemoryDataSource } = {}): Promise<Recorded> {
  const bus = new EventBus();
  const steps: EventOf<'step'>[] = [];
  const events: string[] = [];
  bus.on('step').subscribe((e) => steps.push(e));
  bus.events$.subscribe((e) => events.push(e.type));
  opts.during?.(bus);
  const base = new CausalLmTask(tinyLm());
  const trainer = Trainer.create({ args: a, task: opts.task?.(base) ?? base, executor, bus, callbacks: [new MetricsLogCallback(), new EarlyStoppingCallback()] });
  const result = await trainer.train(trainData(), { evalData: opts.evalData });
  return { trainer, result, steps, events };
}

const stopAt = (step: number) => (bus: EventBus) => bus.on('step').subscribe((e) => e.step === step && bus.command({ type: 'stop', reason: 'test' }));
const weights = (t: Trainer) => [...t.task.namedParameters()].map(([n, p]) => [n, Array.from(p.value.toFloat32())]);

describe('Trainer: exact resume', () => {
  let full: Recorded;
  beforeAll(async () => {
    full = await runTrainer(args({ ...RESUME_ARGS, output_dir: tempDir() }));
  });

  it('runs the planned steps with the cosine warmup and reports HF-style logs', () => {
    expect(full.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(full.steps[0].lr).toBe(0); // warmup starts from 0, as torch's LambdaLR
    expect(full.steps[3].lr).toBeCloseTo(1e-2, 12);
    expect(full.steps[9].lr).toBeLessThan(full.steps[4].lr);
    expect(full.steps[9].loss).toBeLessThan(full.steps[0].loss);
    expect(full.trainer.trainerState.data_position).toEqual({ epoch: 2, batch: 4 });
    expect(full.trainer.trainerState.epoch).toBe(2.5);
    expect(full.trainer.trainerState.num_input_tokens_seen).toBe(10 * 2 * 2 * 12);
    expect(full.result.lastCheckpoint).toMatch(/checkpoint-10$/); // HF saves at the final step
  });

  it('a run stopped at step 6 and resumed from checkpoint-6 by a fresh trainer gives bitwise equal steps 7-10', async () => {
    const dir = tempDir();
    const first = await runTrainer(args({ ...RESUME_ARGS, output_dir: dir }), { during: stopAt(6) });
    expect(first.result.stopReason).toBe('test');
    expect(first.steps.map((s) => s.loss)).toEqual(full.steps.slice(0, 6).map((s) => s.loss));
    expect(existsSync(join(dir, 'checkpoint-3'))).toBe(true);

    const second = await runTrainer(args({ ...RESUME_ARGS, output_dir: dir, resume_from_checkpoint: join(dir, 'checkpoint-6') }));
    expect(second.steps.map((s) => s.step)).toEqual([7, 8, 9, 10]);
    const pick = (s: EventOf<'step'>) => [s.loss, s.lr, s.gradNorm, s.tokens];
    expect(second.steps.map(pick)).toEqual(full.steps.slice(6).map(pick));
    expect(weights(second.trainer)).toEqual(weights(full.trainer));
    // Wall-clock throughput differs between any two runs; everything else in the history is equal.
    const untimed = (h: readonly Record<string, number>[]) => h.map(({ tokens_per_second: _, ...rest }) => rest);
    expect(untimed(second.trainer.trainerState.log_history)).toEqual(
      untimed(full.trainer.trainerState.log_history.filter((e) => !('train_runtime' in e)).concat(second.trainer.trainerState.log_history.slice(-1))),
    );
  });

  it('depends on the saved RNG state: resuming with other dropout states changes the losses', async () => {
    const dir = tempDir();
    await runTrainer(args({ ...RESUME_ARGS, output_dir: dir }), { during: stopAt(6) });
    const rngFile = join(dir, 'checkpoint-6', 'rng_state.json');
    const saved = JSON.parse(readFileSync(rngFile, 'utf8')) as { rngs: Record<string, { s: number[] }> };
    expect(Object.keys(saved.rngs)).toEqual(['model.layers.0.mlp.drop.rng', 'model.layers.1.mlp.drop.rng']);
    for (const state of Object.values(saved.rngs)) state.s = state.s.map((x) => (x + 1) >>> 0);
    writeFileSync(rngFile, JSON.stringify(saved));
    const resumed = await runTrainer(args({ ...RESUME_ARGS, output_dir: dir, resume_from_checkpoint: true }));
    expect(resumed.steps[0].loss).not.toBe(full.steps[6].loss);
  });

  it('Ctrl-C saves a checkpoint after the current step, stops, uninstalls its handler, and resumes exactly', async () => {
    const dir = tempDir();
    const listeners = process.listenerCount('SIGINT');
    const interrupted = await runTrainer(args({ ...RESUME_ARGS, save_steps: 100, output_dir: dir }), {
      during: (bus) => bus.on('step').subscribe((e) => e.step === 4 && process.emit('SIGINT')),
    });
    expect(process.listenerCount('SIGINT')).toBe(listeners);
    expect(interrupted.result.stopReason).toMatch(/SIGINT/);
    expect(interrupted.result.interruptedBy).toBe('SIGINT');
    expect(interrupted.result.lastCheckpoint).toBe(join(dir, 'checkpoint-4'));
    expect(interrupted.events.filter((t) => t === 'checkpoint')).toHaveLength(1);

    const resumed = await runTrainer(args({ ...RESUME_ARGS, save_steps: 100, output_dir: dir, resume_from_checkpoint: true }));
    expect(resumed.steps.map((s) => s.loss)).toEqual(full.steps.slice(4).map((s) => s.loss));
    const logged = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss?: number });
    expect(logged.filter((e) => e.loss !== undefined).map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('SIGTERM (preemption) saves a checkpoint and stops like Ctrl-C, and says which signal it was', async () => {
    const dir = tempDir();
    const listeners = process.listenerCount('SIGTERM');
    const interrupted = await runTrainer(args({ ...RESUME_ARGS, save_steps: 100, output_dir: dir }), {
      during: (bus) => bus.on('step').subscribe((e) => e.step === 3 && process.emit('SIGTERM')),
    });
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
    expect(interrupted.result.interruptedBy).toBe('SIGTERM');
    expect(interrupted.result.stopReason).toBe('interrupted (SIGTERM)');
    expect(interrupted.result.lastCheckpoint).toBe(join(dir, 'checkpoint-3'));
    const resumed = await runTrainer(args({ ...RESUME_ARGS, save_steps: 100, output_dir: dir, resume_from_checkpoint: true }));
    expect(resumed.steps.map((s) => s.loss)).toEqual(full.steps.slice(3).map((s) => s.loss));
  });
});

/** Poisons the loss of one micro-batch (counting calls), like a diverging run would. */
function poisonAt(call: number) {
  return (task: CausalLmTask): Task => {
    let calls = 0;
    return Object.assign(Object.create(task) as Task, {
      trace(batch: Batch): TaskOutput {
        const out = task.trace(batch);
        return calls++ === call ? { ...out, loss: out.loss.mul(Number.NaN) } : out;
      },
    });
  };
}

describe('Trainer: failures and stopping', () => {
  it('stops on a NaN loss naming the step, the batch and the last good checkpoint', async () => {
    const dir = tempDir();
    const listeners = process.listenerCount('SIGINT');
    const errors: Error[] = [];
    // Micro-batch call 22 (0-based) is step 12, epoch 2 (8 micro-batches an epoch), batch 6.
    const run = runTrainer(args({ ...RESUME_ARGS, max_steps: 20, save_steps: 5, output_dir: dir }), {
      task: poisonAt(22),
      during: (bus) => bus.on('error').subscribe((e) => errors.push(e.error)),
    });
    await expect(run).rejects.toThrow(new NonFiniteLossError({ quantity: 'loss', value: NaN, step: 12, epoch: 2, batch: 6, firstRow: 'examples[3]', lastCheckpoint: join(dir, 'checkpoint-10') }).message);
    await expect(run).rejects.toBeInstanceOf(NonFiniteLossError);
    expect(errors).toHaveLength(1);
    expect(errors[0].message).toBe(
      `loss is NaN at step 12 (epoch 2, batch 6, first row examples[3]); last good checkpoint: ${join(dir, 'checkpoint-10')}; training.skip_nonfinite_steps: true skips such steps`,
    );
    expect(existsSync(join(dir, 'checkpoint-12'))).toBe(false);
    expect(process.listenerCount('SIGINT')).toBe(listeners);
  });

  it('early stopping, save_total_limit and load_best_model_at_end work together', async () => {
    const dir = tempDir();
    // Loss falls on the training data, so with greater_is_better the first eval stays the best.
    const a = args({
      ...RESUME_ARGS,
      max_steps: 20,
      output_dir: dir,
      eval_strategy: 'steps',
      eval_steps: 2,
      save_steps: 2,
      save_total_limit: 1,
      load_best_model_at_end: true,
      metric_for_best_model: 'perplexity',
      greater_is_better: true,
      early_stopping_patience: 2,
    });
    const run = await runTrainer(a, { evalData: new InMemoryDataSource(examples(4), { batchSize: 2, shuffle: false }) });
    expect(run.result.globalStep).toBe(6);
    expect(run.result.stopReason).toMatch(/early stopping: eval_perplexity/);
    expect(run.result.bestModelCheckpoint).toBe(join(dir, 'checkpoint-2'));
    // Limit 1 keeps two: the best, and the latest to resume from.
    expect(['checkpoint-2', 'checkpoint-4', 'checkpoint-6'].map((d) => existsSync(join(dir, d)))).toEqual([true, false, true]);
    const best = await readSafetensors(join(dir, 'checkpoint-2', 'model.safetensors'));
    for (const [name, p] of run.trainer.task.namedParameters()) expect(Array.from(p.value.toFloat32()), name).toEqual(Array.from(best.get(name)!.toFloat32()));
    const evals = run.trainer.trainerState.log_history.filter((e) => 'eval_loss' in e);
    expect(evals.map((e) => e.step)).toEqual([2, 4, 6]);
    expect(evals[2].eval_loss).toBeLessThan(evals[0].eval_loss);
    expect(evals[0].eval_perplexity).toBeCloseTo(Math.exp(evals[0].eval_loss), 10);
  });

  it('a stop command without save_now ends the run without an extra checkpoint', async () => {
    const dir = tempDir();
    const run = await runTrainer(args({ ...RESUME_ARGS, save_steps: 100, output_dir: dir }), { during: stopAt(2) });
    expect(run.result).toMatchObject({ globalStep: 2, stopReason: 'test', lastCheckpoint: null });
    expect(run.events.at(-1)).toBe('train_end');
  });
});
