import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { lossOption } from './report-charts.js';

const WIDTH = 1000;
const HEIGHT = 600;

/** The loss chart as an SVG string, drawn by ECharts' server-side SVG renderer (no browser). */
export function lossSvg(history: readonly Readonly<Record<string, number>>[], title: string): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(lossOption(history, title));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** `training_loss.png`, as LLaMA-Factory's plot_loss writes: raw and smoothed loss against step, on white. */
export function lossPng(history: readonly Readonly<Record<string, number>>[], title: string): Buffer {
  // DejaVu Sans where the system has it (Debian's default); resvg falls back to any font it finds.
  const font = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
  return new Resvg(lossSvg(history, title), { background: 'white', font }).render().asPng();
}
