/**
 * `npm run bench:methods`: every training method on the quickstart task, through the real
 * `tunekit train examples/quickstart.yaml` (its data, evaluation and seed) with `--set` overrides
 * for the method and one shared schedule, shorter than the quickstart's. Each case runs in its own
 * process (train-child.ts: the CLI's main, then its VmHWM) and prints one JSON line; the untuned
 * base is the full fine-tuning run's accuracy before it trains. QLoRA is `method: lora` with a
 * `quantization:` section (NF4, double quantization), as a user runs it.
 *
 * Usage: npm run bench:methods [-- --write-readme] [-- CASE ...]   (CASE: names from method-cases.ts)
 * Exits 1 when a method does not beat the untuned base.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METHOD_CASES, type MethodCase } from './methods/method-cases.js';
import { type MethodResult, methodsBlock, writeReadmeBlock } from './methods/readme-table.js';
import { type Score, parseRunOutput, readTrainMetrics } from './methods/run-output.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const QUICKSTART = join(ROOT, 'examples/quickstart.yaml');
const CHILD = fileURLToPath(new URL('./methods/train-child.ts', import.meta.url));

/**
 * The same for every method: the quickstart's batches of 4 and cosine schedule, two thirds of its
 * 2,400 steps. LoRA learns the copy suddenly, at a step that moves with any change to the run
 * (near 1,300 at the quickstart's 1e-3; between 400 and 900 at 1.5e-3); 800 steps at 2e-3 ended
 * at 24% for LoRA, 1,600 at 1.5e-3 at 100%.
 */
const SCHEDULE = { max_steps: 1600, per_device_train_batch_size: 4, lr_scheduler_type: 'cosine', warmup_steps: 40 } as const;

function overrides(c: MethodCase, outputDir: string): string[] {
  const sets: Record<string, unknown> = {
    method: c.method,
    lora: null,
    ...(c.options ? { [c.method]: c.options } : {}),
    ...Object.fromEntries(Object.entries(SCHEDULE).map(([k, v]) => [`training.${k}`, v])),
    'training.learning_rate': c.learningRate,
    'training.output_dir': outputDir,
    'training.save_steps': SCHEDULE.max_steps,
    'training.logging_steps': 100,
    samples: null,
    quantization: c.quantization ?? null,
  };
  // JSON is YAML, which is what --set reads.
  return Object.entries(sets).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]);
}

function runChild(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, CHILD, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const fraction = (s: Score) => s.correct / s.total;
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

async function runCase(c: MethodCase): Promise<{ result: MethodResult; before: Score }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-methods-'));
  try {
    const run = await runChild(['train', QUICKSTART, ...overrides(c, dir)]);
    if (run.code !== 0) throw new Error(`bench:methods ${c.name}: tunekit train exited ${run.code}\n${run.stdout}\n${run.stderr.slice(-4000)}`);
    const out = parseRunOutput(run.stdout);
    const metrics = await readTrainMetrics(dir);
    const result: MethodResult = {
      bench: 'methods',
      case: c.name,
      learning_rate: c.learningRate,
      trainable_params: out.trainableParams,
      accuracy: round(fraction(out.after), 4),
      accuracy_before: round(fraction(out.before), 4),
      tokens_per_s: round(metrics.tokensPerS, 1),
      peak_rss_mib: out.peakRssMib,
      steps: metrics.steps,
      ms: Math.round(metrics.trainRuntimeS * 1000),
    };
    return { result, before: out.before };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The base model as it ships: the full fine-tuning run scores it before changing any weight. */
const untunedRow = (before: Score): MethodResult => ({
  bench: 'methods',
  case: 'untuned base',
  learning_rate: null,
  trainable_params: 0,
  accuracy: round(fraction(before), 4),
  accuracy_before: null,
  tokens_per_s: null,
  peak_rss_mib: null,
  steps: 0,
  ms: null,
});

const argv = process.argv.slice(2);
const writeReadme = argv.includes('--write-readme');
const only = argv.filter((a) => !a.startsWith('--'));
const unknown = only.filter((name) => !METHOD_CASES.some((c) => c.name === name));
if (unknown.length) throw new Error(`bench:methods: no case ${unknown.join(', ')} (have ${METHOD_CASES.map((c) => c.name).join(', ')})`);
const cases = only.length ? METHOD_CASES.filter((c) => only.includes(c.name)) : METHOD_CASES;

const loadBefore = loadavg()[0];
const results: MethodResult[] = [];
let untuned: MethodResult | null = null;
for (const c of cases) {
  const { result, before } = await runCase(c);
  if (c.method === 'full') {
    untuned = untunedRow(before);
    console.log(JSON.stringify(untuned));
  }
  console.log(JSON.stringify(result));
  results.push(result);
}

const losers = untuned ? results.filter((r) => r.accuracy <= untuned.accuracy) : [];
for (const r of losers) console.error(`bench:methods: ${r.case} does not beat the untuned base (${r.accuracy} <= ${untuned!.accuracy})`);
if (losers.length) process.exitCode = 1;

if (writeReadme) {
  if (!untuned || cases.length !== METHOD_CASES.length) throw new Error('bench:methods --write-readme: run every case (the table needs them all)');
  const block = methodsBlock([untuned, ...results], {
    date: new Date().toISOString().slice(0, 10),
    schedule: `${SCHEDULE.max_steps.toLocaleString('en-US')} steps of ${SCHEDULE.per_device_train_batch_size} examples, ${SCHEDULE.lr_scheduler_type} with ${SCHEDULE.warmup_steps} warmup steps, seed 42`,
    load: `load average ${loadBefore.toFixed(1)} at the start, ${loadavg()[0].toFixed(1)} at the end`,
  });
  await writeReadmeBlock(join(ROOT, 'README.md'), block);
  console.error('bench:methods: wrote the table into README.md');
}
