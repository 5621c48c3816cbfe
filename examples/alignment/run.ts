// The alignment demonstration, offline, end to end:
//   npx tsx examples/alignment/run.ts
// 1. the starting model: the quickstart SFT (examples/quickstart.yaml) at its step-2000 checkpoint (or the latest
//    earlier one under half right, where the SFT learns sooner: src/partway-start.ts), merged (runs/align/start);
// 2. an SFT stage from the start (sft.yaml, merged into runs/align/sft) and a reward model on it (reward.yaml), held-out pairs ranked right before and after;
// 3. DPO (dpo.yaml), the same with loss_type ipo and with RPO's [sigmoid, sft], and ORPO (orpo.yaml): held-out preference
//    accuracy and greedy exact match before and after; the figures are the last lines.
import { fileURLToPath } from 'node:url';
import { resultLines, runDemo } from './src/alignment-demo.js';

const runs = fileURLToPath(new URL('../../runs/align', import.meta.url));
const result = await runDemo({ runs, warmupSteps: 2000 });
for (const line of resultLines(result)) console.log(line);
