// The PPO demonstration, offline, end to end, beside the GRPO one (same starting model and prompts):
//   npx tsx examples/grpo/ppo/run.ts
// 1. the starting model, as examples/grpo/run.ts builds it (runs/align/start, shared with examples/alignment);
// 2. the alignment demonstration's reward model (examples/alignment/reward.yaml on its SFT stage,
//    runs/align/reward), built by that demo's code when absent, and its held-out pairs ranked right;
// 3. PPO on examples/grpo/ppo.yaml against that reward model: held-out exact match before and after;
// 4. the reward model's mean score of the rollouts, start and end of training (the last lines).
import { HELD_OUT, builtRewardModel, startModel } from '../../alignment/src/alignment-demo.js';
import { REPO, curveEnds, trainAfresh, tunekit } from '../src/demo-run.js';

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;
const runs = `${REPO}runs/align`;
await startModel({ runs, warmupSteps: 2000, echo: true });
const rewardModel = await builtRewardModel({ runs, warmupSteps: 2000, echo: true });
tunekit('score', '--model', `${runs}/sft`, '--adapter', rewardModel, '--data', HELD_OUT.pairs);

const started = performance.now();
trainAfresh('examples/grpo/ppo.yaml');
console.log(`PPO took ${seconds(started)}`);
console.log(`reward curve (training rollouts, mean reward-model score): ${curveEnds(`${REPO}runs/ppo`, 'objective/scores')}`);
