import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { lossPng } from './loss-png.js';
import { reportCharts, seriesOf } from './report-charts.js';
import { renderReportHtml } from './report-html.js';
import type { RunSummary } from './run-summary.js';

export const REPORT_FILE = 'report.html';
export const LOSS_PLOT_FILE = 'training_loss.png';

/** ECharts' prebuilt browser bundle (line charts, tooltip, legend, SVG renderer), inlined into every report. */
const ECHARTS_BUNDLE = 'echarts/dist/echarts.common.min.js';

export interface WrittenReport {
  readonly html: string;
  /** Null when the run logged no loss (nothing to plot). */
  readonly png: string | null;
}

/** Writes the report (`out`, default `<output_dir>/report.html`) and `training_loss.png` beside it. */
export async function writeReport(summary: RunSummary, out = join(summary.output_dir, REPORT_FILE), now = new Date()): Promise<WrittenReport> {
  const echartsSource = await readFile(createRequire(import.meta.url).resolve(ECHARTS_BUNDLE), 'utf8');
  await writeFile(out, renderReportHtml(summary, reportCharts(summary.log_history), echartsSource, now));
  if (seriesOf(summary.log_history, 'loss').length === 0) return { html: out, png: null };
  const png = join(dirname(out), LOSS_PLOT_FILE);
  await writeFile(png, await lossPng(summary.log_history, `training loss of ${summary.output_dir}`));
  return { html: out, png };
}
