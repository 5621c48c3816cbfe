import { Subscription } from 'rxjs';
import type { EventBus } from '../../events/event-bus.js';
import type { TrainingArguments } from '../training-arguments.js';
import type { TrainerCallback } from './trainer-callback.interface.js';

/** Where the bar is drawn: process.stderr, or any stream-like sink. */
export interface ProgressOutput {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): unknown;
}

const BAR_WIDTH = 24;
/** Redraws faster than this only cost time: a terminal shows ~10 frames a second usefully. */
const REDRAW_MS = 100;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}:` : ''}${mm}:${String(sec).padStart(2, '0')}`;
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '?';
  return perSecond >= 1e6 ? `${(perSecond / 1e6).toFixed(1)}M` : perSecond >= 1e3 ? `${(perSecond / 1e3).toFixed(1)}k` : perSecond.toFixed(0);
}

/** Resident memory as people read it: `812 MiB`, `3.4 GiB`. */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return Math.round(mib) >= 1024 ? `${(mib / 1024).toFixed(1)} GiB` : `${Math.round(mib)} MiB`;
}

/**
 * The plan line. When max_steps is set it wins over num_train_epochs, as in HF, and the line says
 * so: a config that reads `num_train_epochs: 1` may well see its data several times.
 */
export function describeTrainingLength(totalSteps: number, epochs: number, args: Pick<TrainingArguments, 'max_steps' | 'num_train_epochs'>): string {
  const passes = `${epochs} ${epochs === 1 ? 'epoch' : 'epochs'}`;
  return args.max_steps > 0 ? `${totalSteps} steps (max_steps, which overrides num_train_epochs ${args.num_train_epochs}: ${passes} over the data)` : `${totalSteps} steps, ${passes}`;
}

const formatValue = (v: number): string => (Number.isInteger(v) ? String(v) : Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5 ? v.toExponential(2) : v.toFixed(4));

/** Keys the line shows in its own words (progress, tok/s) or not at all. */
const OWN_WORDS = new Set(['step', 'epoch', 'tokens_per_second']);

/** `key value` pairs of a metrics object, step and epoch left to the caller. */
const formatMetrics = (metrics: Readonly<Record<string, number>>): string =>
  Object.entries(metrics)
    .filter(([k]) => !OWN_WORDS.has(k))
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join('  ');

/**
 * A one-line progress bar (step, loss, lr, tokens/s, elapsed, ETA, resident memory) redrawn in
 * place on a terminal, with log/eval/checkpoint lines printed above it. Off a terminal (CI, a file)
 * it prints only those lines, each carrying the progress, and never a carriage return or escape
 * code, so logs stay readable and small.
 */
export class ProgressBarCallback implements TrainerCallback {
  readonly name = 'progress_bar';

  constructor(
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = () => performance.now(),
    private readonly rss: () => number = () => process.memoryUsage.rss(),
  ) {}

  attach(bus: EventBus, args: Pick<TrainingArguments, 'max_steps' | 'num_train_epochs'>): Subscription {
    const tty = this.out.isTTY === true;
    const run = { total: 0, startStep: 0, startedAt: 0, step: 0, epoch: 0, tokens: 0, loss: NaN, lr: NaN, drawnAt: -Infinity, barShown: false };
    const rates = (): string => {
      const elapsed = (this.now() - run.startedAt) / 1000;
      const done = run.step - run.startStep;
      const eta = done > 0 ? (elapsed / done) * (run.total - run.step) : NaN;
      return `${formatRate(run.tokens / elapsed)} tok/s  elapsed ${formatDuration(elapsed)}  ETA ${formatDuration(eta)}  RSS ${formatBytes(this.rss())}`;
    };
    const progress = (): string => `${run.step}/${run.total}  epoch ${run.epoch.toFixed(2)}`;
    const bar = (): string => {
      const filled = run.total ? Math.round((BAR_WIDTH * run.step) / run.total) : 0;
      const text = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${progress()}  loss ${run.loss.toFixed(4)}  lr ${run.lr.toExponential(2)}  ${rates()}`;
      return this.out.columns ? text.slice(0, this.out.columns - 1) : text;
    };
    const draw = (): void => {
      this.out.write(`\r\x1b[2K${bar()}`);
      run.drawnAt = this.now();
      run.barShown = true;
    };
    const line = (text: string): void => {
      this.out.write(tty ? `\r\x1b[2K${text}\n` : `${text}\n`);
      if (tty && run.barShown) draw();
    };

    const sub = new Subscription();
    sub.add(
      bus.on('train_begin').subscribe((e) => {
        Object.assign(run, { total: e.totalSteps, startStep: e.startStep ?? 0, step: e.startStep ?? 0, startedAt: this.now(), tokens: 0, barShown: false });
        line(`training: ${describeTrainingLength(e.totalSteps, e.epochs, args)}, ${e.trainableParams.toLocaleString('en-US')} trainable parameters${run.startStep ? `, resuming at step ${run.startStep}` : ''}`);
      }),
    );
    sub.add(
      bus.on('step').subscribe((e) => {
        Object.assign(run, { step: e.step, epoch: e.epoch, loss: e.loss, lr: e.lr, tokens: run.tokens + e.tokens });
        if (tty && (this.now() - run.drawnAt >= REDRAW_MS || e.step === run.total)) draw();
      }),
    );
    sub.add(bus.on('log').subscribe((e) => line(`step ${progress()}  ${formatMetrics(e.metrics)}${e.metrics.loss !== undefined ? `  ${rates()}` : ''}`)));
    sub.add(bus.on('eval').subscribe((e) => line(`eval @ step ${e.step}  ${formatMetrics(e.metrics)}`)));
    sub.add(bus.on('checkpoint').subscribe((e) => line(`saved ${e.dir}`)));
    sub.add(bus.on('notice').subscribe((e) => line(e.message)));
    sub.add(
      bus.on('train_end').subscribe((e) => {
        if (tty && run.barShown) {
          draw();
          this.out.write('\n');
          run.barShown = false;
        }
        if (e.stopReason) line(`stopped at step ${e.step}: ${e.stopReason}`);
      }),
    );
    sub.add(bus.on('error').subscribe((e) => line(`error at step ${e.step}: ${e.error.message}`)));
    return sub;
  }
}
