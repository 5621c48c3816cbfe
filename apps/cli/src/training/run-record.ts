import { type TrainResult, writeJsonFile } from '@tunekit/core';
import { join } from 'node:path';
import type { RunConfig } from '../config/run-config.types.js';
import { RUN_SUMMARY_FILE, type RunSummary, hardware } from '../report/run-summary.js';
import { type WrittenReport, writeReport } from '../report/write-report.js';
import { VERSION } from '../version.js';

type Notes = Pick<RunSummary, 'model' | 'method' | 'task' | 'trainable' | 'data' | 'accuracy' | 'samples'>;

/**
 * What a `tunekit train` run learns about itself as it goes (the lines it prints, accuracy, samples),
 * written at the end as `run_summary.json` and turned into the HTML report and `training_loss.png`.
 */
export class RunRecord {
  private readonly started = new Date();
  readonly notes: { -readonly [K in keyof Notes]: Notes[K] } = { model: null, method: null, task: null, trainable: null, data: null, accuracy: null, samples: [] };

  constructor(
    private readonly config: RunConfig,
    private readonly executor: string,
  ) {
    this.notes.task = config.task;
    this.notes.method = config.method;
  }

  /** Keeps a printed `model: ...` or `data: ...` line's text for the summary; returns the line to print. */
  note(key: 'model' | 'data', line: string): string {
    this.notes[key] = line.replace(new RegExp(`^${key}: `), '');
    return line;
  }

  /**
   * Writes the summary and the report into output_dir and prints `report: <path>`. The trained
   * result is already saved by then, so a report that cannot be drawn is a warning, not a failed run.
   */
  async finish(result: TrainResult, logHistory: readonly Readonly<Record<string, number>>[], print: (line: string) => void, warn: (line: string) => void): Promise<void> {
    const summary = this.summary(result, logHistory);
    await writeJsonFile(join(summary.output_dir, RUN_SUMMARY_FILE), summary);
    let written: WrittenReport;
    try {
      written = await writeReport(summary);
    } catch (err) {
      warn(`warning: the run report was not written (${(err as Error).message}); tunekit report ${summary.output_dir} retries it`);
      return;
    }
    print(`report: ${written.html}`);
  }

  private summary(result: TrainResult, logHistory: readonly Readonly<Record<string, number>>[]): RunSummary {
    const finished = new Date();
    const status = result.interruptedBy
      ? `interrupted by ${result.interruptedBy} at step ${result.globalStep}`
      : result.stopReason
        ? `stopped at step ${result.globalStep}: ${result.stopReason}`
        : `finished at step ${result.globalStep}`;
    return {
      tunekit: VERSION,
      output_dir: this.config.training.output_dir,
      config_file: this.config.file,
      started_at: this.started.toISOString(),
      finished_at: finished.toISOString(),
      wall_time_s: (finished.getTime() - this.started.getTime()) / 1000,
      status,
      ...this.notes,
      hardware: hardware(this.executor),
      metrics: result.metrics,
      log_history: logHistory,
      config: this.config,
    };
  }
}
