import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../events/event-bus.js';
import type { EventOf } from '../events/events.js';
import { OrtExecutor } from '../executors/ort/index.js';
import { CausalLmTask } from './causal-lm.task.js';
import type { Batch } from './data-source.interface.js';
import { InMemoryDataSource } from './in-memory.data-source.js';
import { NonFiniteLossError } from './non-finite-loss.error.js';
import type { Task, TaskOutput } from './task.interface.js';
import { Trainer, type TrainResult } from './trainer.js';
import { TrainerRunError } from './trainer-run.errors.js';
import { args, examples, tempDir, tinyLm } from './trainer.test-support.js';
import type { TrainingArguments } from './training-arguments.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

/** 16 examples in batches of 2, 4 steps an epoch with accumulation 2; saves every 2 steps. */
const BASE = { max_steps: 6, gradient_accumulation_steps: 2, save_steps: 2, lr_scheduler_type: 'cosine', warmup_steps: 1 } as const satisfies Partial<TrainingArguments>;
const data = (batchSize = 2) => new InMemoryDataSource(examples(16), { batchSize, seed: 3 });

interface Run {
  result: TrainResult;
  steps: EventOf<'step'>[];
  notices: string[];
}

async function train(a: TrainingArguments, task?: (t: CausalLmTask) => Task, batchSize = 2): Promise<Run> {
  const bus = new EventBus();
  const steps: EventOf<'step'>[] = [];
  const notices: string[] = [];
  bus.on('step').subscribe((e) => steps.push(e));
  bus.on('notice').subscribe((e) => notices.push(e.message));
  const base = new CausalLmTask(tinyLm());
  const trainer = Trainer.create({ args: a, task: task?.(base) ?? base, executor, bus });
  return { result: await trainer.train(data(batchSize)), steps, notices };
}

const failure = async (p: Promise<unknown>): Promise<Error> => p.then(() => { throw new Error('expected a failure'); }, (e: Error) => e);

describe('Trainer: stale state in output_dir', () => {
  let dir: string;
  let full: Run;
  beforeAll(async () => {
    dir = tempDir();
    full = await train(args({ ...BASE, output_dir: dir }));
  });

  it('refuses to train into a used output_dir, naming what is in it and the settings that allow it', async () => {
    const e = await failure(train(args({ ...BASE, output_dir: dir })));
    expect(e).toBeInstanceOf(TrainerRunError);
    expect(e.message).toBe(
      `output_dir ${dir} is not empty (checkpoint-2, checkpoint-4, checkpoint-6); set overwrite_output_dir: true to train over it, resume_from_checkpoint: true to continue its run, or choose another output_dir`,
    );
  });

  it('overwrite_output_dir removes the earlier run\'s checkpoints, naming each, so no later resume picks one up', async () => {
    const used = tempDir();
    await train(args({ ...BASE, max_steps: 4, output_dir: used }));
    mkdirSync(join(used, 'checkpoint-40'));
    const again = await train(args({ ...BASE, max_steps: 2, output_dir: used, overwrite_output_dir: true }));
    expect(again.notices).toEqual(['checkpoint-2', 'checkpoint-4', 'checkpoint-40'].map((c) => `removed an earlier run's checkpoint (overwrite_output_dir) ${join(used, c)}`));
    expect(readdirSync(used).sort()).toEqual(['checkpoint-2']);
    // Warmup starts at lr 0, so the first two losses do not depend on the schedule's length.
    expect(again.steps.map((s) => s.loss)).toEqual(full.steps.slice(0, 2).map((s) => s.loss));
  });

  it('removes staging folders that a killed save left, naming them, and keeps one a live process is writing', async () => {
    const used = tempDir();
    const dead = '.checkpoint-4.tmp-999999999-0a1b2c3d';
    const deadOld = '.checkpoint-2.tmp-999999998-deadbeef.old';
    const live = `.checkpoint-6.tmp-${process.ppid}-12345678`;
    for (const name of [dead, deadOld, live]) {
      mkdirSync(join(used, name));
      writeFileSync(join(used, name, 'optimizer.safetensors'), 'partial');
    }
    // A staging folder is never a checkpoint, so the folder still counts as unused.
    const run = await train(args({ ...BASE, max_steps: 2, output_dir: used }));
    expect(run.notices.sort()).toEqual([`removed stale staging folder ${join(used, deadOld)}`, `removed stale staging folder ${join(used, dead)}`].sort());
    expect(readdirSync(used).sort()).toEqual([live, 'checkpoint-2'].sort());
  });

  it('resuming with another batch size (or any setting that changes the math) is refused, naming old and new values', async () => {
    const e = await failure(train(args({ ...BASE, output_dir: dir, resume_from_checkpoint: join(dir, 'checkpoint-2'), learning_rate: 0.02 }), undefined, 4));
    // args() sets batch size 2; the data source makes 4: the trainer's own check comes first, so compare the arguments directly.
    expect(e.message).toContain('per_device_train_batch_size is 2');
    const refused = await failure(train(args({ ...BASE, output_dir: dir, per_device_train_batch_size: 4, resume_from_checkpoint: join(dir, 'checkpoint-2'), learning_rate: 0.02 }), undefined, 4));
    expect(refused).toBeInstanceOf(TrainerRunError);
    expect(refused.message).toBe(
      `cannot resume from ${join(dir, 'checkpoint-2')}: the config changes what the checkpoint's run was doing (learning_rate: checkpoint 0.01, config 0.02; per_device_train_batch_size: checkpoint 2, config 4); set them back, or start a new run in another output_dir`,
    );
  });

  it('a resume whose checkpoint is at max_steps says so and reports no loss or throughput', async () => {
    const run = await train(args({ ...BASE, output_dir: dir, resume_from_checkpoint: true }));
    expect(run.steps).toEqual([]);
    expect(run.notices).toEqual([`${join(dir, 'checkpoint-6')} is at step 6, at or past max_steps 6: nothing left to train; its weights are the result`]);
    expect(Object.keys(run.result.metrics)).toEqual(['train_runtime']);
  });

  it('names the settings a resume may change (logging, saving) and resumes with them', async () => {
    const run = await train(args({ ...BASE, output_dir: dir, logging_steps: 2, resume_from_checkpoint: join(dir, 'checkpoint-4') }));
    expect(run.notices).toEqual([`resuming from ${join(dir, 'checkpoint-4')} with changed settings: eval_steps: checkpoint 1, config 2; logging_steps: checkpoint 1, config 2`]);
    expect(run.steps.map((s) => s.loss)).toEqual(full.steps.slice(4).map((s) => s.loss));
  });

  it('after a resume, tokens per second are this segment\'s tokens over this segment\'s runtime', async () => {
    const run = await train(args({ ...BASE, output_dir: dir, resume_from_checkpoint: join(dir, 'checkpoint-2') }));
    const tokens = run.steps.reduce((n, s) => n + s.tokens, 0);
    expect(tokens).toBe(4 * 2 * 2 * 12); // 4 steps of 2 micro-batches of 2 rows of 12 tokens
    const { train_runtime, train_tokens_per_second } = run.result.metrics;
    expect(train_tokens_per_second).toBeCloseTo(tokens / train_runtime, 6);
  });

  it('a checkpoint with a file missing names the checkpoint and the file', async () => {
    const copy = tempDir();
    await train(args({ ...BASE, max_steps: 2, output_dir: copy }));
    const ckpt = join(copy, 'checkpoint-2');
    rmSync(join(ckpt, 'model.safetensors'));
    const noWeights = await failure(train(args({ ...BASE, max_steps: 2, output_dir: copy, resume_from_checkpoint: true })));
    expect(noWeights.message).toBe(`checkpoint ${ckpt} is incomplete: model.safetensors missing`);
    rmSync(join(ckpt, 'rng_state.json'));
    rmSync(join(ckpt, 'scheduler.json'));
    const e = await failure(train(args({ ...BASE, max_steps: 2, output_dir: copy, resume_from_checkpoint: true })));
    expect(e).toBeInstanceOf(TrainerRunError);
    expect(e.message).toBe(`checkpoint ${ckpt} is incomplete: scheduler.json, rng_state.json missing`);
  });
});

/** Makes the loss of the given micro-batch calls NaN (0-based, counting every call), as a diverging run would. */
function poison(calls: readonly number[]) {
  return (task: CausalLmTask): Task => {
    let call = 0;
    return Object.assign(Object.create(task) as Task, {
      trace(batch: Batch): TaskOutput {
        const out = task.trace(batch);
        return calls.includes(call++) ? { ...out, loss: out.loss.mul(Number.NaN) } : out;
      },
    });
  };
}

describe('Trainer: non-finite steps', () => {
  it('stops naming the step, the first row of the batch and the last good checkpoint', async () => {
    const dir = tempDir();
    // Call 5 is step 3's second micro-batch (epoch 0, batch 5).
    const e = await failure(train(args({ ...BASE, output_dir: dir }), poison([5])));
    expect(e).toBeInstanceOf(NonFiniteLossError);
    expect(e.message).toMatch(new RegExp(`^loss is NaN at step 3 \\(epoch 0, batch 5, first row examples\\[\\d+\\]\\); last good checkpoint: ${join(dir, 'checkpoint-2')};`));
    expect(existsSync(join(dir, 'checkpoint-4'))).toBe(false);
  });

  it('skip_nonfinite_steps skips the step without an update, counts it, and trains on', async () => {
    const dir = tempDir();
    const clean = await train(args({ ...BASE, max_steps: 5, output_dir: tempDir() }));
    // Calls 2 and 3 are step 2's two micro-batches: skipped, the run goes on with batches 4, 5, ...
    const run = await train(args({ ...BASE, max_steps: 5, output_dir: dir, skip_nonfinite_steps: true }), poison([2]));
    expect(run.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(run.steps[0].loss).toBe(clean.steps[0].loss);
    // The skipped step consumed its data but changed no weight: step 2 here trains on clean step 3's batches with step 1's weights.
    expect(run.steps[1].loss).not.toBe(clean.steps[1].loss);
    expect(run.notices).toHaveLength(1);
    expect(run.notices[0]).toMatch(/^skipped: loss is NaN at step 2 \(epoch 0, batch 2, first row examples\[\d+\]\); last good checkpoint: none \(1 skipped so far\)$/);
    expect(run.result.metrics.nonfinite_steps_skipped).toBe(1);
  });
});
