import { TENSORBOARD_SMOOTHING, smoothDebiasedEma } from './smoothing.js';

type Entry = Readonly<Record<string, number>>;
type Point = [step: number, value: number];

/** One chart of the report: an ECharts option (plain data, so it is embedded as JSON) and what it shows. */
export interface ReportChart {
  readonly id: string;
  readonly title: string;
  /** The history key it plots. */
  readonly key: string;
  /** Points of the raw series (what the browser test counts). */
  readonly points: number;
  readonly option: Record<string, unknown>;
}

/** The charts every report has, in order; `smooth` adds TensorBoard's smoothed curve over the raw one. */
const FIXED_CHARTS: readonly { id: string; title: string; key: string; smooth?: boolean }[] = [
  { id: 'loss', title: 'Training loss', key: 'loss', smooth: true },
  { id: 'eval-loss', title: 'Eval loss', key: 'eval_loss' },
  { id: 'learning-rate', title: 'Learning rate', key: 'learning_rate' },
  { id: 'grad-norm', title: 'Gradient norm', key: 'grad_norm' },
  { id: 'tokens-per-second', title: 'Tokens per second', key: 'tokens_per_second' },
];

/** Keys that are coordinates or counters, or the run's one-off summary, not curves. */
const NOT_CURVES = new Set(['step', 'epoch', 'num_input_tokens_seen', 'eval_perplexity', 'train_runtime', 'train_steps_per_second', 'train_tokens_per_second', 'train_loss', 'total_flos']);

const RAW_COLOR = '#9db4e8';
const LINE_COLOR = '#2f5bd3';

/** `[step, value]` for every entry that has a finite `key`, in step order. */
export function seriesOf(history: readonly Entry[], key: string): Point[] {
  return history
    .filter((e) => Number.isFinite(e[key]) && Number.isFinite(e.step))
    .map((e): Point => [e.step, e[key]])
    .sort((a, b) => a[0] - b[0]);
}

/** A task's own metrics (DPO's `rewards/chosen`, a plugin's `nll`): one more chart each. */
function extraKeys(history: readonly Entry[]): string[] {
  const fixed = new Set(FIXED_CHARTS.map((c) => c.key));
  const keys = new Set(history.flatMap((e) => Object.keys(e)));
  return [...keys].filter((k) => !fixed.has(k) && !NOT_CURVES.has(k) && seriesOf(history, k).length > 0).sort();
}

function lineOption(title: string | null, series: { name: string; data: Point[]; color: string; width: number }[]): Record<string, unknown> {
  return {
    animation: false,
    ...(title ? { title: { text: title, left: 'center', top: 8, textStyle: { fontSize: 16 } } } : {}),
    textStyle: { fontFamily: 'sans-serif' },
    grid: { left: 12, right: 24, top: title ? 76 : series.length > 1 ? 36 : 16, bottom: 36, containLabel: true },
    tooltip: { trigger: 'axis' },
    legend: series.length > 1 ? { top: title ? 40 : 0, data: series.map((s) => s.name) } : { show: false },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 26, min: 'dataMin', max: 'dataMax', minInterval: 1 },
    yAxis: { type: 'value', scale: true },
    series: series.map((s) => ({
      type: 'line',
      name: s.name,
      data: s.data,
      showSymbol: s.data.length <= 60,
      symbolSize: 4,
      color: s.color,
      lineStyle: { width: s.width },
    })),
  };
}

/** The loss curve as TensorBoard shows it: the raw values faint, the debiased EMA (weight 0.6) on top. */
export function lossOption(history: readonly Entry[], title: string | null = null): Record<string, unknown> {
  const raw = seriesOf(history, 'loss');
  const smoothed = smoothDebiasedEma(raw.map(([, v]) => v)).map((v, i): Point => [raw[i][0], v]);
  return lineOption(title, [
    { name: 'loss', data: raw, color: RAW_COLOR, width: 1 },
    { name: `smoothed (${TENSORBOARD_SMOOTHING})`, data: smoothed, color: LINE_COLOR, width: 2 },
  ]);
}

/** Every chart for a run's history; a fixed chart without points is kept (the page says it was not measured). */
export function reportCharts(history: readonly Entry[]): ReportChart[] {
  const fixed = FIXED_CHARTS.map(({ id, title, key, smooth }) => {
    const data = seriesOf(history, key);
    const option = smooth ? lossOption(history) : lineOption(null, [{ name: key, data, color: LINE_COLOR, width: 2 }]);
    return { id, title, key, points: data.length, option };
  });
  const extra = extraKeys(history).map((key) => {
    const data = seriesOf(history, key);
    return { id: `metric-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`, title: key, key, points: data.length, option: lineOption(null, [{ name: key, data, color: LINE_COLOR, width: 2 }]) };
  });
  return [...fixed, ...extra];
}
