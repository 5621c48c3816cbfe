import { type ProgressOutput, formatDuration } from '@tunekit/core';
import type { TrainProgress } from '@tunekit/models';

/** Redraws faster than this only cost time. */
const REDRAW_MS = 100;

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);
const int = (n: number): string => n.toLocaleString('en-US');

/**
 * The progress of `tunekit tokenizer train` on stderr: one line redrawn in place on a terminal
 * (MB counted, then tokens merged); off a terminal, one line when counting ends, so logs stay small.
 */
export class TrainProgressLine {
  private drawnAt = -Infinity;
  private phase: TrainProgress['phase'] | undefined;
  private lastCount: Extract<TrainProgress, { phase: 'count' }> | undefined;
  private readonly startedAt: number;

  constructor(
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  update(progress: TrainProgress): void {
    const entering = progress.phase !== this.phase;
    this.phase = progress.phase;
    if (progress.phase === 'count') this.lastCount = progress;
    else if (entering && this.lastCount) this.line(this.countedLine(this.lastCount));
    if (this.out.isTTY !== true || (!entering && this.now() - this.drawnAt < REDRAW_MS)) return;
    this.out.write(`\r\x1b[2K${this.progressLine(progress)}`);
    this.drawnAt = this.now();
  }

  /** Clears the in-place line before the summary is printed. */
  end(): void {
    if (this.out.isTTY === true && this.drawnAt > -Infinity) this.out.write('\r\x1b[2K');
  }

  private line(text: string): void {
    this.out.write(this.out.isTTY === true ? `\r\x1b[2K${text}\n` : `${text}\n`);
  }

  private countedLine(p: Extract<TrainProgress, { phase: 'count' }>): string {
    return `counted ${mb(p.bytes)} MB: ${int(p.words)} distinct words in ${formatDuration((this.now() - this.startedAt) / 1000)}`;
  }

  private progressLine(p: TrainProgress): string {
    const seconds = (this.now() - this.startedAt) / 1000;
    if (p.phase === 'count') {
      const share = p.totalBytes ? Math.round((100 * p.bytes) / p.totalBytes) : 100;
      return `counting words: ${mb(p.bytes)}/${mb(p.totalBytes)} MB (${share}%)  ${(p.bytes / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)} MB/s  ${int(p.words)} distinct`;
    }
    return `merging: ${int(p.vocabSize)}/${int(p.targetSize)} tokens (${Math.round((100 * p.vocabSize) / p.targetSize)}%)  ${formatDuration(seconds)}`;
  }
}
