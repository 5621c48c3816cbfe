import { type ProgressOutput, formatDuration } from '@tunekit/core';

/** Off a terminal, one line per this share of the items at most, so logs stay small. */
const LOG_EVERY = 0.25;

/**
 * `scoring exact_match: 24/50 (48%)  12 correct  0:31`: redrawn in place on a terminal after each
 * batch; off a terminal a plain line at each quarter. `end()` clears the in-place line.
 */
export class ScoringProgress {
  private readonly startedAt: number;
  private logged = 0;
  private drawn = false;

  constructor(
    private readonly metric: string,
    private readonly out: ProgressOutput = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
  }

  update(done: number, total: number, correct: number): void {
    const text = `scoring ${this.metric}: ${done}/${total} (${Math.round((100 * done) / total)}%)  ${correct} correct  ${formatDuration((this.now() - this.startedAt) / 1000)}`;
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[2K${text}`);
      this.drawn = true;
    } else if (done === total || done - this.logged >= LOG_EVERY * total) {
      this.out.write(`${text}\n`);
      this.logged = done;
    }
  }

  end(): void {
    if (this.drawn) this.out.write('\r\x1b[2K');
  }
}
