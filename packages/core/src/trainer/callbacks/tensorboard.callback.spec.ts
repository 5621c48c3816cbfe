import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../events/event-bus.js';
import { OrtExecutor } from '../../executors/ort/index.js';
import { type DecodedEvent, readEventFile } from '../../tensorboard/event-file.test-support.js';
import { CausalLmTask } from '../causal-lm.task.js';
import { InMemoryDataSource } from '../in-memory.data-source.js';
import { Trainer } from '../trainer.js';
import { args, examples, tempDir, tinyLm } from '../trainer.test-support.js';
import { parseTrainingArguments } from '../training-arguments.js';
import { TensorBoardCallback, defaultRunName, resolveLoggingDir } from './tensorboard.callback.js';

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

/** The one event file under `dir`, decoded with every record's CRCs checked. */
function events(dir: string): DecodedEvent[] {
  const files = readdirSync(dir).filter((f) => f.startsWith('events.out.tfevents.'));
  expect(files).toHaveLength(1);
  return readEventFile(join(dir, files[0]));
}

describe('report_to and logging_dir', () => {
  it("takes HF's forms: a name, a list, all, none; default jsonl", () => {
    const reportTo = (v: unknown) => parseTrainingArguments(v === undefined ? {} : { report_to: v }).report_to;
    expect([reportTo(undefined), reportTo('tensorboard'), reportTo(['jsonl', 'tensorboard']), reportTo('all'), reportTo(['all']), reportTo('none'), reportTo([])]).toEqual([
      ['jsonl'],
      ['tensorboard'],
      ['jsonl', 'tensorboard'],
      ['jsonl', 'tensorboard'],
      ['jsonl', 'tensorboard'],
      [],
      [],
    ]);
    // HF's other integrations (wandb, mlflow, ...) pass with a warning (hf-only-arguments.spec); other names are errors.
    for (const bad of ['wandbb', ['none', 'jsonl'], 3]) {
      expect(() => reportTo(bad)).toThrow('report_to must be a name or list of names from jsonl, tensorboard, all, none (all and none stand alone)');
    }
    expect(parseTrainingArguments({}).logging_dir).toBeNull();
    expect(() => parseTrainingArguments({ logging_dir: '' })).toThrow('logging_dir must be a non-empty string');
  });

  it("defaults logging_dir to HF's <output_dir>/runs/<Mon DD_HH-MM-SS>_<host>, after $TENSORBOARD_LOGGING_DIR", () => {
    const when = new Date(2026, 11, 4, 3, 7, 9);
    expect(defaultRunName(when, 'box')).toBe('Dec04_03-07-09_box');
    const a = { output_dir: 'out', logging_dir: null };
    expect(resolveLoggingDir(a, when, {})).toMatch(/^out\/runs\/Dec04_03-07-09_.+$/);
    expect(resolveLoggingDir(a, when, { TENSORBOARD_LOGGING_DIR: 'tb' })).toBe('tb');
    expect(resolveLoggingDir({ ...a, logging_dir: 'logs' }, when, { TENSORBOARD_LOGGING_DIR: 'tb' })).toBe('logs');
  });
});

describe('TensorBoardCallback', () => {
  it('writes every logged metric of a real run under HF tags, file_version first, each value read back', async () => {
    const out = join(tempDir(), 'out');
    const logs = join(out, 'tb');
    const a = args({ output_dir: out, logging_dir: logs, report_to: ['tensorboard'], max_steps: 4, save_strategy: 'no', eval_strategy: 'steps', eval_steps: 2 });
    const bus = new EventBus();
    const logged: { step: number; metrics: Record<string, number> }[] = [];
    bus.on('log').subscribe((e) => logged.push(e));
    bus.on('eval').subscribe((e) => logged.push(e));
    const task = new CausalLmTask(tinyLm(0));
    const trainer = Trainer.create({ args: a, task, executor, bus, callbacks: [new TensorBoardCallback()] });
    const started = Date.now() / 1000;
    await trainer.train(new InMemoryDataSource(examples(8), { batchSize: 2, seed: 3 }), { evalData: new InMemoryDataSource(examples(4, 5), { batchSize: 2, seed: 3 }) });
    bus.publish({ type: 'log', step: 4, metrics: { 'rewards/chosen': 0.25, eval_rewards_margin: -1.5 } });

    const [version, ...rest] = events(logs);
    expect(version.fileVersion).toBe('brain.Event:2');
    expect(version.wallTime).toBeGreaterThanOrEqual(Math.floor(started) - 1);
    // One event per log/eval event while attached; the extra log after train() ended is not written.
    expect(rest).toHaveLength(logged.length - 1);
    expect(rest.map((e) => e.step)).toEqual(logged.slice(0, -1).map((e) => e.step));
    for (const [i, event] of rest.entries()) {
      const expected = Object.fromEntries(
        Object.entries(logged[i].metrics)
          .filter(([k]) => k !== 'step')
          .map(([k, v]) => [k.startsWith('eval_') ? `eval/${k.slice(5)}` : `train/${k}`, Math.fround(v)]),
      );
      expect(event.scalars).toEqual(expected);
      expect(event.wallTime).toBeGreaterThanOrEqual(version.wallTime);
    }
    const tags = new Set(rest.flatMap((e) => Object.keys(e.scalars!)));
    for (const tag of ['train/loss', 'train/learning_rate', 'train/grad_norm', 'train/tokens_per_second', 'train/epoch', 'eval/loss', 'train/train_runtime', 'train/train_tokens_per_second']) {
      expect(tags, tag).toContain(tag);
    }
    const losses = rest.filter((e) => e.scalars!['train/loss'] !== undefined).map((e) => e.step);
    expect(losses).toEqual([1, 2, 3, 4]);
    expect(rest.find((e) => e.scalars!['train/tokens_per_second'])!.scalars!['train/tokens_per_second']).toBeGreaterThan(0);
  });

  it("maps a task's metric names as HF's rewrite_logs does, and writes nothing unless report_to names tensorboard", () => {
    const out = join(tempDir(), 'out');
    const bus = new EventBus();
    const sub = new TensorBoardCallback().attach(bus, args({ output_dir: out, report_to: ['tensorboard'], logging_dir: join(out, 'tb') }));
    bus.publish({ type: 'log', step: 3, metrics: { 'rewards/chosen': 0.5, 'logps/rejected': -12, eval_rewards_margin: 2, test_accuracy: 1, step: 3 } });
    sub.unsubscribe();
    expect(events(join(out, 'tb'))[1]).toEqual({
      wallTime: expect.any(Number),
      step: 3,
      scalars: { 'train/rewards/chosen': 0.5, 'train/logps/rejected': -12, 'eval/rewards_margin': 2, 'test/accuracy': 1 },
    });

    const none = join(tempDir(), 'none');
    const off = new TensorBoardCallback().attach(bus, args({ output_dir: none, report_to: ['jsonl'] }));
    bus.publish({ type: 'log', step: 1, metrics: { loss: 1 } });
    off.unsubscribe();
    expect(existsSync(none)).toBe(false);
  });
});
