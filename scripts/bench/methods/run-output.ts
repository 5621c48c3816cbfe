/**
 * What a `bench:methods` child leaves behind, read back: the lines `tunekit train` prints (trainable
 * parameters, accuracy before and after), the peak RSS line train-child.ts appends, and the
 * trainer's final metrics in `<output_dir>/metrics.jsonl`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The last stdout line of train-child.ts: `peak_rss_kib <VmHWM in KiB>`. */
export const PEAK_RSS_PREFIX = 'peak_rss_kib ';

export interface Score {
  readonly correct: number;
  readonly total: number;
}

export interface RunOutput {
  readonly trainableParams: number;
  /** Held-out accuracy of the model as the method starts it (the base, the quantized base, or the base behind an initial prompt). */
  readonly before: Score;
  readonly after: Score;
  readonly peakRssMib: number;
}

export interface TrainMetrics {
  readonly steps: number;
  readonly trainRuntimeS: number;
  readonly tokensPerS: number;
  readonly trainLoss: number;
}

/** Each value the run must print, by the pattern of its line (`method: lora  trainable params: 327,680 || ...`). */
const LINES = {
  trainable: /^method: \S+\s+trainable params: ([\d,]+)/m,
  before: /^\w+ before training: [\d.]+% \((\d+)\/(\d+)\)$/m,
  after: /^\w+ after training: [\d.]+% \((\d+)\/(\d+)\)$/m,
  peakRss: new RegExp(`^${PEAK_RSS_PREFIX}(\\d+)$`, 'm'),
} as const;

function match(stdout: string, line: keyof typeof LINES): RegExpExecArray {
  const m = LINES[line].exec(stdout);
  if (!m) throw new Error(`bench:methods: the run printed no ${line} line; its output was:\n${stdout}`);
  return m;
}

const score = (m: RegExpExecArray): Score => ({ correct: Number(m[1]), total: Number(m[2]) });

export function parseRunOutput(stdout: string): RunOutput {
  return {
    trainableParams: Number(match(stdout, 'trainable')[1].replaceAll(',', '')),
    before: score(match(stdout, 'before')),
    after: score(match(stdout, 'after')),
    peakRssMib: Math.round(Number(match(stdout, 'peakRss')[1]) / 1024),
  };
}

/** The trainer's `train_end` record: the last line of metrics.jsonl. */
export async function readTrainMetrics(outputDir: string): Promise<TrainMetrics> {
  const records = (await readFile(join(outputDir, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
  const end = records.findLast((r) => r.train_runtime !== undefined);
  if (!end) throw new Error(`bench:methods: ${outputDir}/metrics.jsonl has no train_runtime record`);
  return { steps: end.step, trainRuntimeS: end.train_runtime, tokensPerS: end.train_tokens_per_second, trainLoss: end.train_loss };
}
