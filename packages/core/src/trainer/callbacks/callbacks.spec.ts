import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../events/event-bus.js';
import type { TrainerCommand } from '../../events/events.js';
import { args, tempDir } from '../trainer.test-support.js';
import { EarlyStoppingCallback } from './early-stopping.callback.js';
import { METRICS_LOG_FILE, MetricsLogCallback } from './metrics-log.callback.js';
import { ProgressBarCallback, describeTrainingLength, formatBytes, formatDuration, formatRate } from './progress-bar.callback.js';

const step = (n: number, loss: number) => ({ type: 'step' as const, step: n, epoch: n / 4, loss, lr: 1e-4, gradNorm: 1, tokens: 1000, elapsedMs: 0 });

function drive(tty: boolean, length: { max_steps: number; num_train_epochs: number } = { max_steps: -1, num_train_epochs: 1 }) {
  const chunks: string[] = [];
  let now = 0;
  const bus = new EventBus();
  let rss = 100 * 2 ** 20;
  const sub = new ProgressBarCallback({ isTTY: tty, columns: 200, write: (c: string) => chunks.push(c) }, () => now, () => rss).attach(bus, length);
  bus.publish({ type: 'train_begin', totalSteps: 4, epochs: 1, trainableParams: 1234 });
  for (let s = 1; s <= 4; s++) {
    now += 1000; // one second a step
    rss += 2 ** 30; // and a GiB more resident memory
    bus.publish(step(s, 2 - s / 4));
    if (s === 2) bus.publish({ type: 'log', step: 2, metrics: { loss: 1.5, learning_rate: 1e-4, epoch: 0.5, step: 2, tokens_per_second: 1000 } });
  }
  bus.publish({ type: 'train_end', step: 4, metrics: {}, stopReason: 'early stopping' });
  sub.unsubscribe();
  bus.publish(step(5, 0));
  return chunks;
}

describe('ProgressBarCallback', () => {
  it('off a terminal prints plain lines for log events only, with tokens/s, elapsed time, ETA and resident memory', () => {
    const out = drive(false);
    expect(out.every((c) => !c.includes('\r') && !c.includes('\x1b'))).toBe(true);
    expect(out).toEqual([
      'training: 4 steps, 1 epoch, 1,234 trainable parameters\n',
      'step 2/4  epoch 0.50  loss 1.5000  learning_rate 1.00e-4  1.0k tok/s  elapsed 0:02  ETA 0:02  RSS 2.1 GiB\n',
      'stopped at step 4: early stopping\n',
    ]);
  });

  it('on a terminal redraws one bar in place and prints log lines above it', () => {
    const out = drive(true).join('');
    expect(out).toContain('\r\x1b[2Kstep 2/4  epoch 0.50  loss 1.5000');
    expect(out).toContain('[############............] 2/4  epoch 0.50  loss 1.5000  lr 1.00e-4  1.0k tok/s  elapsed 0:02  ETA 0:02  RSS 2.1 GiB');
    expect(out).toContain('[########################] 4/4  epoch 1.00  loss 1.0000  lr 1.00e-4  1.0k tok/s  elapsed 0:04  ETA 0:00  RSS 4.1 GiB');
    expect(out.endsWith('ETA 0:00  RSS 4.1 GiB\n\r\x1b[2Kstopped at step 4: early stopping\n')).toBe(true);
    expect(out).not.toContain('5/4'); // unsubscribed
  });

  it('says that max_steps overrides num_train_epochs, as HF does, and how often the data is seen', () => {
    expect(drive(false, { max_steps: 4, num_train_epochs: 3 })[0]).toBe('training: 4 steps (max_steps, which overrides num_train_epochs 3: 1 epoch over the data), 1,234 trainable parameters\n');
    expect(describeTrainingLength(2400, 4, { max_steps: 2400, num_train_epochs: 1 })).toBe('2400 steps (max_steps, which overrides num_train_epochs 1: 4 epochs over the data)');
    expect(describeTrainingLength(600, 2, { max_steps: -1, num_train_epochs: 2 })).toBe('600 steps, 2 epochs');
  });

  it('formats durations and rates', () => {
    expect([formatDuration(5), formatDuration(65), formatDuration(3725), formatDuration(NaN)]).toEqual(['0:05', '1:05', '1:02:05', '?']);
    expect([formatRate(12), formatRate(1234), formatRate(2.5e6)]).toEqual(['12', '1.2k', '2.5M']);
    expect([formatBytes(0), formatBytes(812.4 * 2 ** 20), formatBytes(1023.6 * 2 ** 20), formatBytes(3.44 * 2 ** 30)]).toEqual(['0 MiB', '812 MiB', '1.0 GiB', '3.4 GiB']);
  });
});

describe('MetricsLogCallback', () => {
  it('writes one JSON line per log and eval event and, on resume, drops lines past the checkpoint', () => {
    const dir = join(tempDir(), 'out');
    const a = args({ output_dir: dir });
    const file = join(dir, METRICS_LOG_FILE);
    const bus = new EventBus();
    const sub = new MetricsLogCallback().attach(bus, a);
    bus.publish({ type: 'train_begin', totalSteps: 4, epochs: 1, trainableParams: 1 });
    bus.publish(step(1, 1));
    for (const s of [1, 2, 3]) bus.publish({ type: 'log', step: s, metrics: { loss: s, epoch: s / 4 } });
    bus.publish({ type: 'eval', step: 2, metrics: { eval_loss: 0.5 } });
    sub.unsubscribe();
    const lines = () => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    expect(lines()).toEqual([
      { loss: 1, epoch: 0.25, step: 1 },
      { loss: 2, epoch: 0.5, step: 2 },
      { loss: 3, epoch: 0.75, step: 3 },
      { eval_loss: 0.5, step: 2 },
    ]);
    writeFileSync(file, `${readFileSync(file, 'utf8')}not json\n`);
    const resumed = new MetricsLogCallback().attach(bus, a);
    bus.publish({ type: 'train_begin', totalSteps: 4, epochs: 1, trainableParams: 1, startStep: 2 });
    bus.publish({ type: 'log', step: 3, metrics: { loss: 3.5 } });
    resumed.unsubscribe();
    expect(lines()).toEqual([{ loss: 1, epoch: 0.25, step: 1 }, { loss: 2, epoch: 0.5, step: 2 }, { eval_loss: 0.5, step: 2 }, { loss: 3.5, step: 3 }]);
  });
});

describe('EarlyStoppingCallback', () => {
  const a = args({ output_dir: 'unused', eval_strategy: 'steps', early_stopping_patience: 2, early_stopping_threshold: 0.01 });

  function evals(values: number[], history: Record<string, number>[] = []) {
    const bus = new EventBus();
    const commands: TrainerCommand[] = [];
    bus.commands$.subscribe((c) => commands.push(c));
    const sub = new EarlyStoppingCallback().attach(bus, a);
    bus.publish({ type: 'train_begin', totalSteps: 10, epochs: 1, trainableParams: 1, history: history.map((h, i) => ({ ...h, step: i })) });
    const stoppedAfter: number[] = [];
    values.forEach((v, i) => {
      bus.publish({ type: 'eval', step: i, metrics: { eval_loss: v } });
      if (commands.length && !stoppedAfter.length) stoppedAfter.push(i);
    });
    sub.unsubscribe();
    return { commands, stoppedAfter };
  }

  it('stops after `patience` evals without an improvement larger than the threshold', () => {
    // 1.0 -> 0.8 improves; 0.795 is within the threshold; 0.9 is worse: two stale evals.
    const { commands, stoppedAfter } = evals([1, 0.8, 0.795, 0.9, 0.1]);
    expect(stoppedAfter).toEqual([3]);
    expect(commands[0]).toEqual({ type: 'stop', reason: 'early stopping: eval_loss has not improved on 0.8 for 2 evaluations' });
    expect(evals([1, 0.9, 0.8, 0.7]).commands).toEqual([]);
  });

  it('continues the count from a resumed log history', () => {
    expect(evals([0.9], [{ eval_loss: 0.5 }, { loss: 3 }, { eval_loss: 0.6 }]).stoppedAfter).toEqual([0]);
  });

  it('does nothing without early_stopping_patience', () => {
    const bus = new EventBus();
    const commands: TrainerCommand[] = [];
    bus.commands$.subscribe((c) => commands.push(c));
    new EarlyStoppingCallback().attach(bus, args({ output_dir: 'unused' }));
    for (let i = 0; i < 5; i++) bus.publish({ type: 'eval', step: i, metrics: { eval_loss: 1 } });
    expect(commands).toEqual([]);
  });
});
