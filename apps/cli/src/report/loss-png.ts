import { lossOption } from './report-charts.js';

const WIDTH = 1000;
const HEIGHT = 600;

type History = readonly Readonly<Record<string, number>>[];

/**
 * The loss chart as an SVG string, drawn by ECharts' server-side SVG renderer (no browser). ECharts
 * and resvg are imported here, on first use, so other commands do not pay for loading them.
 */
export async function lossSvg(history: History, title: string): Promise<string> {
  const echarts = await import('echarts');
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption(lossOption(history, title));
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** `training_loss.png`, as LLaMA-Factory's plot_loss writes: raw and smoothed loss against step, on white. */
export async function lossPng(history: History, title: string): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  // DejaVu Sans where the system has it (Debian's default); resvg falls back to any font it finds.
  const font = { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' };
  return new Resvg(await lossSvg(history, title), { background: 'white', font }).render().asPng();
}
