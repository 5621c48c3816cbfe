import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readEventFile } from '@tunekit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smoothDebiasedEma } from '../report/smoothing.js';
import { Workspace, lines, runCli, yesRecords } from '../testing/cli.test-support.js';

const CONFIG = `
model: model
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
data: { path: train.jsonl, max_length: 32, validation_split: 0.25 }
samples: ["Q1:"]
evaluation: { path: test.jsonl, metric: contains, max_new_tokens: 2 }
training:
  output_dir: out
  max_steps: 6
  per_device_train_batch_size: 4
  learning_rate: 1.0e-2
  logging_steps: 1
  eval_strategy: steps
  eval_steps: 3
  save_steps: 100
  report_to: [jsonl, tensorboard]
`;

type Entry = Record<string, number>;
interface Chart {
  id: string;
  option: { series: { name: string; data: [number, number][] }[] };
}

/** The charts the page will draw: the JSON the report embeds for its boot script. */
function embeddedCharts(html: string): Chart[] {
  const m = /<script type="application\/json" id="report-charts">(.*?)<\/script>/s.exec(html);
  expect(m, 'report-charts JSON').not.toBeNull();
  return JSON.parse(m![1]) as Chart[];
}

/** Width and height from a PNG's IHDR chunk (after the 8-byte signature and the chunk's length and type). */
function pngSize(png: Buffer): [number, number] {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

describe('run report', () => {
  let ws: Workspace;
  let stdout: string[];
  let stderr: string;
  const out = () => ws.path('out');

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(16));
    await ws.jsonl('test.jsonl', yesRecords(2));
    const run = await runCli(['train', await ws.write('run.yaml', CONFIG)]);
    expect(run.code, run.stderr).toBe(0);
    stdout = lines(run.stdout);
    stderr = run.stderr;
  });
  afterAll(() => ws.remove());

  it('tunekit train writes run_summary.json, report.html and training_loss.png, and prints the report path before the accuracy line', async () => {
    expect(stdout.at(-2)).toBe(`report: ${join(out(), 'report.html')}`);
    expect(stdout.at(-1)).toMatch(/^accuracy: /);
    const summary = JSON.parse(await readFile(join(out(), 'run_summary.json'), 'utf8'));
    const metricsLog = lines(await readFile(join(out(), 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l) as Entry);
    expect(summary.log_history).toEqual(metricsLog);
    expect(summary).toMatchObject({ status: 'finished at step 6', method: 'lora', task: 'sft', samples: [{ prompt: 'Q1:' }], accuracy: { metric: 'contains' } });
    expect(summary.trainable).toMatch(/^trainable params: 1,792 \|\| all params: /);
    expect(summary.model).toBe(`${ws.model} (llama, f32)`);
    expect(summary.hardware.cpus).toBeGreaterThan(0);
    expect(summary.wall_time_s).toBeGreaterThan(summary.metrics.train_runtime);
    expect(pngSize(await readFile(join(out(), 'training_loss.png')))).toEqual([1000, 600]);
  });

  it('embeds every logged point, the TensorBoard-smoothed loss and the charting library, and fetches nothing', async () => {
    const html = await readFile(join(out(), 'report.html'), 'utf8');
    const history = JSON.parse(await readFile(join(out(), 'run_summary.json'), 'utf8')).log_history as Entry[];
    const charts = new Map(embeddedCharts(html).map((c) => [c.id, c.option.series]));
    const points = (key: string) => history.filter((e) => typeof e[key] === 'number').map((e) => [e.step, e[key]]);
    expect(points('loss')).toHaveLength(6);
    expect(points('eval_loss')).toHaveLength(2);
    const [raw, smoothed] = charts.get('loss')!;
    expect(raw.data).toEqual(points('loss'));
    expect(smoothed.data).toEqual(points('loss').map(([s], i) => [s, smoothDebiasedEma(points('loss').map(([, v]) => v), 0.6)[i]]));
    expect(charts.get('eval-loss')![0].data).toEqual(points('eval_loss'));
    expect(charts.get('learning-rate')![0].data).toEqual(points('learning_rate'));
    expect(charts.get('grad-norm')![0].data).toEqual(points('grad_norm'));
    expect(charts.get('tokens-per-second')![0].data).toEqual(points('tokens_per_second'));
    // Offline: the library is inline (hundreds of kB), and the markup around the scripts loads nothing.
    expect(html.includes("echarts.init(el,null,{renderer:'svg'})")).toBe(true);
    expect(html.length).toBeGreaterThan(500_000);
    const markup = html.replace(/(<script\b[^>]*>)[\s\S]*?<\/script>/g, '$1</script>');
    expect(markup.length).toBeLessThan(20_000);
    expect(markup.match(/\b(src|href)\s*=|<link\b|<img\b|@import|url\(/gi)).toBeNull();
    expect(html).toContain('trainable params: 1,792');
    expect(html).toContain('<pre>Q1:</pre>');
  });

  it('leaves a TensorBoard event file with the same losses, and progress lines without carriage returns off a terminal', async () => {
    const [run] = await readdir(join(out(), 'runs'));
    expect(run).toMatch(/^[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_/);
    const [file] = await readdir(join(out(), 'runs', run));
    const events = readEventFile(join(out(), 'runs', run, file));
    const history = JSON.parse(await readFile(join(out(), 'run_summary.json'), 'utf8')).log_history as Entry[];
    const tb = events.filter((e) => e.scalars?.['train/loss'] !== undefined).map((e) => [e.step, e.scalars!['train/loss']]);
    expect(tb).toEqual(history.filter((e) => e.loss !== undefined).map((e) => [e.step, Math.fround(e.loss)]));
    expect(events.filter((e) => e.scalars?.['eval/loss'] !== undefined).map((e) => e.step)).toEqual([3, 6]);

    expect(stderr).not.toContain('\r');
    expect(stderr).toMatch(/^step 6\/6 .*loss \d\.\d{4} .* tok\/s {2}elapsed \d+:\d\d {2}ETA 0:00 {2}RSS \d+ MiB$/m);
  });

  it('report_to: none writes neither metrics.jsonl nor event files, and the report still has the whole history', async () => {
    const run = await runCli(['train', ws.path('run.yaml'), '--set', 'training.report_to=none', '--set', 'training.output_dir=quiet', '--set', 'training.max_steps=2', '--set', 'training.eval_strategy=no', '--set', 'evaluation=null', '--set', 'samples=[]']);
    expect(run.code, run.stderr).toBe(0);
    const files = await readdir(ws.path('quiet'));
    expect(files).not.toContain('metrics.jsonl');
    expect(files).not.toContain('runs');
    expect(files).toEqual(expect.arrayContaining(['report.html', 'run_summary.json', 'training_loss.png']));
    const html = await readFile(ws.path('quiet/report.html'), 'utf8');
    expect(embeddedCharts(html).find((c) => c.id === 'loss')!.option.series[0].data.map(([step]) => step)).toEqual([1, 2]);
  });

  it('tunekit report rebuilds it from metrics.jsonl alone, with --out elsewhere, and names a folder that is not a run', async () => {
    const partial = ws.path('partial');
    await mkdir(partial);
    await writeFile(join(partial, 'metrics.jsonl'), await readFile(join(out(), 'metrics.jsonl')));
    const target = ws.path('elsewhere/r.html');
    await mkdir(ws.path('elsewhere'));
    const run = await runCli(['report', partial, '--out', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)).toEqual([`report: ${target}`, `loss plot: ${ws.path('elsewhere/training_loss.png')}`]);
    const html = await readFile(target, 'utf8');
    expect(embeddedCharts(html).find((c) => c.id === 'loss')!.option.series[0].data).toHaveLength(6);
    expect(html).toContain('unknown (no run_summary.json; read metrics.jsonl)');
    expect(existsSync(join(partial, 'report.html'))).toBe(false);

    const empty = await runCli(['report', ws.model]);
    expect(empty.code).toBe(1);
    expect(empty.stderr.trim()).toBe(`tunekit report: ${ws.model}: no run_summary.json or metrics.jsonl; is it a tunekit train output_dir?`);
  });
});
