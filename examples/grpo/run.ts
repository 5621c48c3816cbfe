// The GRPO demonstration, offline, end to end:
//   npx tsx examples/grpo/run.ts
// 1. the starting model, shared with examples/alignment: the quickstart SFT at its step-2000
//    checkpoint, merged into runs/align/start (built once, then reused);
// 2. GRPO on examples/grpo/grpo.yaml: exact-match reward from rewards.ts, held-out accuracy before and after;
// 3. the training reward curve's start and end, from the run's trainer_state.json (the last lines).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startModel } from '../alignment/src/alignment-demo.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const at = (path: string) => `${root}${path}`;
const tunekit = (...args: string[]) => execFileSync(process.execPath, [at('apps/cli/bin/tunekit.js'), ...args], { stdio: 'inherit', cwd: root });

await startModel({ runs: at('runs/align'), warmupSteps: 2000, echo: true });
const started = performance.now();
tunekit('train', 'examples/grpo/grpo.yaml');

// The last checkpoint's log history holds every logged step's mean rollout reward.
const runDir = at('runs/grpo');
const last = readdirSync(runDir)
  .filter((d) => /^checkpoint-\d+$/.test(d))
  .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)))
  .pop();
if (!last) throw new Error(`${runDir}: no checkpoint`);
const history = (JSON.parse(readFileSync(`${runDir}/${last}/trainer_state.json`, 'utf8')) as { log_history: { step: number; reward?: number }[] }).log_history.filter((e) => e.reward !== undefined);
const mean = (xs: { reward?: number }[]) => xs.reduce((s, e) => s + (e.reward ?? 0), 0) / xs.length;
const quarter = Math.max(1, Math.floor(history.length / 4));
const [head, tail] = [history.slice(0, quarter), history.slice(-quarter)];
console.log(`GRPO took ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`reward curve (training rollouts, mean exact-match reward): steps ${head[0].step}-${head[head.length - 1].step} ${mean(head).toFixed(3)} -> steps ${tail[0].step}-${tail[tail.length - 1].step} ${mean(tail).toFixed(3)}`);
