import type { ReportChart } from './report-charts.js';
import type { RunSummary } from './run-summary.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** JSON inside a <script> element: `<` escaped, so no string in it can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, '\\u003c');

const formatSeconds = (s: number): string => {
  const whole = Math.round(s);
  const [h, m, sec] = [Math.floor(whole / 3600), Math.floor((whole % 3600) / 60), whole % 60];
  return h ? `${h} h ${m} min ${sec} s` : m ? `${m} min ${sec} s` : `${s.toFixed(1)} s`;
};

const number = (v: number | undefined, digits = 4): string | null => (v === undefined || !Number.isFinite(v) ? null : Number.isInteger(v) ? v.toLocaleString('en-US') : v.toPrecision(digits));

/** The facts table: each row a label and a value, rows without a value left out. */
function facts(s: RunSummary): [string, string][] {
  const hw = s.hardware;
  const lastLoss = [...s.log_history].reverse().find((e) => e.loss !== undefined)?.loss;
  const lastEval = [...s.log_history].reverse().find((e) => e.eval_loss !== undefined)?.eval_loss;
  const steps = Math.max(0, ...s.log_history.map((e) => e.step ?? 0));
  const rows: [string, string | null][] = [
    ['Status', s.status],
    ['Model', s.model],
    ['Method', s.method],
    ['Trainable', s.trainable],
    ['Task', s.task],
    ['Data', s.data],
    ['Steps', steps ? steps.toLocaleString('en-US') : null],
    ['Wall time', s.wall_time_s === null ? null : formatSeconds(s.wall_time_s)],
    ['Train loss (mean)', number(s.metrics.train_loss)],
    ['Last logged loss', number(lastLoss)],
    ['Last eval loss', number(lastEval)],
    ['Throughput', s.metrics.train_tokens_per_second === undefined ? null : `${number(s.metrics.train_tokens_per_second, 3)} tokens/s`],
    ['Accuracy', s.accuracy ? `${s.accuracy.metric}: ${s.accuracy.before} before → ${s.accuracy.after} after training` : null],
    ['Hardware', hw ? `${hw.cpu}, ${hw.cpus} CPUs, ${hw.memory_gib} GiB, ${hw.platform}, Node ${hw.node}, executor ${hw.executor}` : null],
    ['Started', s.started_at],
    ['Config', s.config_file],
    ['TuneKit', s.tunekit || null],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== null && r[1] !== '');
}

function chartCard(c: ReportChart): string {
  const body = c.points
    ? `<div class="chart" id="chart-${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}" data-points="${c.points}" role="img" aria-label="${escapeHtml(c.title)} against step"></div>`
    : `<p class="empty">Not measured in this run (no <code>${escapeHtml(c.key)}</code> in the log history).</p>`;
  return `<section class="card"><h2>${escapeHtml(c.title)}</h2>${body}</section>`;
}

const samplesSection = (s: RunSummary): string =>
  s.samples.length === 0
    ? ''
    : `<section class="card wide"><h2>Samples</h2><table class="samples"><thead><tr><th>Prompt</th><th>Completion</th></tr></thead><tbody>${s.samples
        .map((x) => `<tr><td><pre>${escapeHtml(x.prompt)}</pre></td><td><pre>${escapeHtml(x.completion)}</pre></td></tr>`)
        .join('')}</tbody></table></section>`;

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;background:#f4f6fa}
header{padding:20px 24px;background:#1d2c4f;color:#fff}header h1{margin:0;font-size:20px;word-break:break-all}header p{margin:4px 0 0;opacity:.8}
main{padding:16px;display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));max-width:1600px;margin:0 auto}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:12px 16px;min-width:0}.wide{grid-column:1/-1}
h2{font-size:16px;margin:0 0 8px}.chart{width:100%;height:300px}.empty{color:#667;margin:24px 0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #e6e9f0}
.facts th{width:11em;color:#556;font-weight:600}td{word-break:break-word}
pre{margin:0;white-space:pre-wrap;word-break:break-word;font:13px/1.4 ui-monospace,Menlo,Consolas,monospace}
details pre{max-height:480px;overflow:auto;background:#f7f8fb;padding:8px;border-radius:4px}
footer{padding:8px 24px 24px;color:#778;font-size:13px;text-align:center}
@media (max-width:600px){main{padding:8px;gap:8px}header{padding:14px 12px}.facts th{width:7em}}`;

/** Draws every chart with the embedded ECharts (SVG renderer) and keeps them fitted to the page. */
const BOOT = `
(function(){var data=JSON.parse(document.getElementById('report-charts').textContent);var charts=[];
data.forEach(function(c){var el=document.getElementById('chart-'+c.id);if(!el)return;var chart=echarts.init(el,null,{renderer:'svg'});chart.setOption(c.option);charts.push(chart);});
window.addEventListener('resize',function(){charts.forEach(function(c){c.resize();});});
document.documentElement.setAttribute('data-charts-ready',String(charts.length));})();`;

/** The whole report as one HTML document: styles, data and the charting library inline, nothing fetched. */
export function renderReportHtml(summary: RunSummary, charts: readonly ReportChart[], echartsSource: string, generatedAt: Date): string {
  const title = `TuneKit run: ${summary.output_dir}`;
  const drawn = charts.filter((c) => c.points > 0).map(({ id, option }) => ({ id, option }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p>${escapeHtml(summary.status)}${summary.finished_at ? ` · finished ${escapeHtml(summary.finished_at)}` : ''}</p></header>
<main>
<section class="card wide"><h2>Run</h2><table class="facts"><tbody>${facts(summary)
    .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`)
    .join('')}</tbody></table></section>
${charts.map(chartCard).join('\n')}
${samplesSection(summary)}
<section class="card wide"><h2>Configuration</h2><details><summary>The run config with every default filled in</summary><pre>${escapeHtml(JSON.stringify(summary.config, null, 2))}</pre></details></section>
</main>
<footer>Generated ${escapeHtml(generatedAt.toISOString())} by tunekit report. Loss smoothing: TensorBoard's debiased exponential moving average.</footer>
<script>${echartsSource.replace(/<\/script/gi, '<\\/script')}</script>
<script type="application/json" id="report-charts">${scriptJson(drawn)}</script>
<script>${BOOT}</script>
</body></html>
`;
}
