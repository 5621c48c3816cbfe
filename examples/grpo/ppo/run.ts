// The PPO demonstration, offline, end to end, beside the GRPO one (same starting model and prompts):
//   npx tsx examples/grpo/ppo/run.ts
// 1. the starting model, as examples/grpo/run.ts builds it (runs/align/start, shared with examples/alignment);
// 2. the alignment demonstration's reward model (examples/alignment/reward.yaml on its SFT stage,
//    runs/align/reward), built by that demo's code when absent, and its held-out pairs ranked right;
// 3. PPO on examples/grpo/ppo.yaml against that reward model: held-out exact match before and after;
// 4. the reward model's mean score of the rollouts, start and end of training (the last lines).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HELD_OUT, builtRewardModel, startModel } from '../../alignment/src/alignment-demo.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const at = (path: string) => `${root}${path}`;
const tunekit = (...args: string[]) => execFileSync(process.execPath, [at('apps/cli/bin/tunekit.js'), ...args], { stdio: 'inherit', cwd: root });
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

const runs = at('runs/align');
await startModel({ runs, warmupSteps: 2000, echo: true });
const rewardModel = await builtRewardModel({ runs, warmupSteps: 2000, echo: true });
tunekit('score', '--model', `${runs}/sft`, '--adapter', rewardModel, '--data', HELD_OUT.pairs);

const started = performance.now();
tunekit('train', 'examples/grpo/ppo.yaml');

// The last checkpoint's log history holds every logged step's mean reward-model score of the rollouts.
const runDir = at('runs/ppo');
const last = readdirSync(runDir)
  .filter((d) => /^checkpoint-\d+$/.test(d))
  .sort((a, b) => Number(a.slice(11)) - Number(b.slice(11)))
  .pop();
if (!last) throw new Error(`${runDir}: no checkpoint`);
type Entry = { step: number; 'objective/scores'?: number };
const history = (JSON.parse(readFileSync(`${runDir}/${last}/trainer_state.json`, 'utf8')) as { log_history: Entry[] }).log_history.filter((e) => e['objective/scores'] !== undefined);
const mean = (xs: Entry[]) => xs.reduce((s, e) => s + (e['objective/scores'] ?? 0), 0) / xs.length;
const quarter = Math.max(1, Math.floor(history.length / 4));
const [head, tail] = [history.slice(0, quarter), history.slice(-quarter)];
console.log(`PPO took ${seconds(started)}`);
console.log(`reward curve (training rollouts, mean reward-model score): steps ${head[0].step}-${head[head.length - 1].step} ${mean(head).toFixed(3)} -> steps ${tail[0].step}-${tail[tail.length - 1].step} ${mean(tail).toFixed(3)}`);
