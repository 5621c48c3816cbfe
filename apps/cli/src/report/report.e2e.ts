import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli, yesRecords } from '../testing/cli.test-support.js';

/**
 * The run report in a real browser: Debian's chromium, headless, driven by puppeteer-core. Skipped,
 * with the reason printed, where no chromium is installed. TUNEKIT_REPORT_SCREENSHOTS=DIR keeps the
 * screenshots (the README's comes from here).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (missing) console.log(`skipping the report's browser test: ${missing}`);

/** Full fine-tuning: the random tiny model learns to answer " yes" in 40 steps, so the report shows accuracy moving. */
const CONFIG = `
model: model
method: full
data: { path: train.jsonl, max_length: 32, validation_split: 0.25 }
samples: ["Q1:", "Q7:"]
evaluation: { path: test.jsonl, metric: contains, max_new_tokens: 4 }
training:
  output_dir: out
  max_steps: 40
  per_device_train_batch_size: 4
  learning_rate: 3.0e-3
  lr_scheduler_type: cosine
  warmup_steps: 4
  logging_steps: 1
  eval_strategy: steps
  eval_steps: 5
  save_steps: 100
`;

/** Chart id → the log-history key it plots (what the page must show, counted here from the run's own file). */
const CHARTS: Readonly<Record<string, string>> = {
  loss: 'loss',
  'eval-loss': 'eval_loss',
  'learning-rate': 'learning_rate',
  'grad-norm': 'grad_norm',
  'tokens-per-second': 'tokens_per_second',
};

interface PageProbe {
  charts: { id: string; dataPoints: number; seriesPoints: number[]; svgWidth: number; paths: number }[];
  scrollWidth: number;
  ready: number;
}

/** Runs in the page (a string: this package compiles without the DOM's types): each chart as ECharts holds it and as drawn. */
const PAGE_PROBE = `(() => ({
  charts: [...document.querySelectorAll('[data-chart]')].map((el) => ({
    id: el.dataset.chart,
    dataPoints: Number(el.dataset.points),
    seriesPoints: echarts.getInstanceByDom(el).getOption().series.map((s) => s.data.length),
    svgWidth: el.querySelector('svg')?.getBoundingClientRect().width ?? 0,
    paths: el.querySelectorAll('svg path').length,
  })),
  scrollWidth: document.documentElement.scrollWidth,
  ready: Number(document.documentElement.dataset.chartsReady),
}))()`;

describe.skipIf(missing !== null)('run report in chromium', () => {
  let ws: Workspace;
  let browser: Browser;
  let reportUrl: string;
  let expected: Record<string, number>;

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(32));
    await ws.jsonl('test.jsonl', yesRecords(2));
    const run = await runCli(['train', await ws.write('run.yaml', CONFIG)]);
    expect(run.code, run.stderr).toBe(0);
    const history = JSON.parse(await readFile(ws.path('out/run_summary.json'), 'utf8')).log_history as Record<string, number>[];
    expected = Object.fromEntries(Object.entries(CHARTS).map(([id, key]) => [id, history.filter((e) => typeof e[key] === 'number').length]));
    reportUrl = pathToFileURL(ws.path('out/report.html')).href;
    const { default: puppeteer } = await import('puppeteer-core');
    // Chromium refuses to start its sandbox as root (CI runs as root).
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  });
  afterAll(async () => {
    await browser?.close();
    await ws?.remove();
  });

  it.each([1280, 390])('loads offline without console errors and draws every chart with every point at %i px wide', async (width) => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    await page.setRequestInterception(true);
    page.on('request', (r) => {
      // The report must open offline: anything but the file itself (or inline data) is a failure.
      if (r.url().startsWith('file:') || r.url().startsWith('data:')) void r.continue();
      else {
        problems.push(`remote request: ${r.url()}`);
        void r.abort();
      }
    });
    await page.setViewport({ width, height: 900 });
    await page.goto(reportUrl, { waitUntil: 'load' });
    await page.waitForSelector('html[data-charts-ready]', { timeout: 30_000 });

    const { charts, scrollWidth, ready } = (await page.evaluate(PAGE_PROBE)) as PageProbe;

    expect(problems).toEqual([]);
    expect(charts.map((c) => c.id)).toEqual(Object.keys(CHARTS));
    expect(ready).toBe(charts.length);
    for (const c of charts) {
      expect(expected[c.id], c.id).toBeGreaterThan(1);
      expect(c.dataPoints, c.id).toBe(expected[c.id]);
      // The loss chart has the raw series and the smoothed one, point for point.
      expect(c.seriesPoints, c.id).toEqual(c.id === 'loss' ? [expected.loss, expected.loss] : [expected[c.id]]);
      expect(c.paths, c.id).toBeGreaterThan(c.seriesPoints.length);
      expect(c.svgWidth, c.id).toBeGreaterThan(width / 4);
      expect(c.svgWidth, c.id).toBeLessThanOrEqual(width);
    }
    // Nothing wider than the window: no sideways scrolling on a phone.
    expect(scrollWidth).toBeLessThanOrEqual(width);

    const shots = process.env.TUNEKIT_REPORT_SCREENSHOTS;
    if (shots) {
      await mkdir(shots, { recursive: true });
      await page.screenshot({ path: join(shots, `report-${width}.png`) as `${string}.png`, fullPage: true });
    }
    await page.close();
  });
});
