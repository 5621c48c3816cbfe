import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { JsonFileError, METRICS_LOG_FILE, readJsonObject } from '@tunekit/core';

/** What `tunekit train` leaves in output_dir for the report (and for anyone comparing runs). */
export const RUN_SUMMARY_FILE = 'run_summary.json';

export interface Hardware {
  readonly cpu: string;
  readonly cpus: number;
  readonly memory_gib: number;
  readonly platform: string;
  readonly node: string;
  readonly executor: string;
}

export interface RunSummary {
  readonly tunekit: string;
  readonly output_dir: string;
  readonly config_file: string | null;
  readonly started_at: string | null;
  readonly finished_at: string | null;
  readonly wall_time_s: number | null;
  /** `finished`, `stopped: <reason>` or `interrupted by SIGINT`. */
  readonly status: string;
  readonly model: string | null;
  readonly method: string | null;
  readonly task: string | null;
  /** PEFT's `trainable params: N || all params: M || trainable%: P` line. */
  readonly trainable: string | null;
  readonly data: string | null;
  readonly hardware: Hardware | null;
  /** The trainer's final metrics (train_runtime, train_loss, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Every log and eval entry, as HF's `log_history` (each has its `step`). */
  readonly log_history: readonly Readonly<Record<string, number>>[];
  readonly accuracy: { readonly metric: string; readonly before: string; readonly after: string } | null;
  readonly samples: readonly { readonly prompt: string; readonly completion: string }[];
  /** The validated run config, defaults filled in. */
  readonly config: unknown;
}

export function hardware(executor: string): Hardware {
  return {
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    cpus: os.availableParallelism(),
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    executor,
  };
}

const isEntry = (e: unknown): e is Record<string, number> =>
  typeof e === 'object' && e !== null && !Array.isArray(e) && Object.values(e).every((v) => typeof v === 'number' || v === null);

function checkHistory(history: unknown, file: string): Record<string, number>[] {
  if (!Array.isArray(history)) throw new JsonFileError(file, 'log_history must be a list of metric objects');
  const bad = history.findIndex((e) => !isEntry(e));
  if (bad >= 0) throw new JsonFileError(file, `log_history[${bad}] must be an object of numbers`);
  return history;
}

/** metrics.jsonl as a log history (a run still going, or one from before run summaries): one entry a line. */
async function historyFromMetricsLog(file: string): Promise<Record<string, number>[]> {
  const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((line, i) => {
    try {
      const entry: unknown = JSON.parse(line);
      if (isEntry(entry)) return entry;
    } catch {
      // reported below with the line number
    }
    throw new JsonFileError(file, `line ${i + 1} is not a JSON object of numbers`);
  });
}

/**
 * A run folder's summary: `run_summary.json` when the run finished under `tunekit train`, otherwise
 * what `metrics.jsonl` alone tells (history only).
 */
export async function loadRunSummary(dir: string): Promise<RunSummary> {
  const file = join(dir, RUN_SUMMARY_FILE);
  const raw = await readJsonObject(file, { optional: true });
  if (raw) return { ...(raw as unknown as RunSummary), log_history: checkHistory(raw.log_history, file) };
  const metrics = join(dir, METRICS_LOG_FILE);
  if (!existsSync(metrics)) throw new Error(`${dir}: no ${RUN_SUMMARY_FILE} or ${METRICS_LOG_FILE}; is it a tunekit train output_dir?`);
  const log_history = await historyFromMetricsLog(metrics);
  return {
    tunekit: '',
    output_dir: dir,
    config_file: null,
    started_at: null,
    finished_at: null,
    wall_time_s: null,
    status: `unknown (no ${RUN_SUMMARY_FILE}; read ${METRICS_LOG_FILE})`,
    model: null,
    method: null,
    task: null,
    trainable: null,
    data: null,
    hardware: null,
    metrics: log_history.find((e) => 'train_runtime' in e) ?? {},
    log_history,
    accuracy: null,
    samples: [],
    config: null,
  };
}
