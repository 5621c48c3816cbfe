// The GRPO demonstration, offline, end to end:
//   npx tsx examples/grpo/run.ts
// 1. the starting model, shared with examples/alignment: the quickstart SFT at its step-2000 checkpoint
//    (or the latest earlier one under half right, where the SFT learns sooner: alignment/src/partway-start.ts),
//    merged into runs/align/start (built once, then reused);
// 2. GRPO on examples/grpo/grpo.yaml: exact-match reward from rewards.ts, held-out accuracy before and after;
// 3. the training reward curve's start and end, from the run's trainer_state.json (the last lines).
import { startModel } from '../alignment/src/alignment-demo.js';
import { REPO, curveEnds, trainAfresh } from './src/demo-run.js';

await startModel({ runs: `${REPO}runs/align`, warmupSteps: 2000, echo: true });
const started = performance.now();
trainAfresh('examples/grpo/grpo.yaml');
console.log(`GRPO took ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`reward curve (training rollouts, mean exact-match reward): ${curveEnds(`${REPO}runs/grpo`, 'reward')}`);
