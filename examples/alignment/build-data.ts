// Writes the alignment demo's preference pairs from the quickstart's conversations (seeded, so
// rerunning it rewrites the same bytes):
//   npx tsx examples/alignment/build-data.ts
// data/pairs-train.jsonl from examples/data/quickstart-train.jsonl, data/pairs-test.jsonl from the
// held-out examples/data/quickstart-test.jsonl, in TRL's conversational paired format: the chosen
// answer is the story's colour of the thing asked about, the rejected one a colour not in the story.
// A training pair rejects only colours the training stories give that thing, so no held-out
// (colour, thing) pair enters training, not even as the rejected answer.
// The held-out questions themselves are the quickstart's test file, scored by the runs' `evaluation:`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { answeredPairs, preferenceItems, toPreferenceLine } from './src/preference-data.js';

const SEED = 2025;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

mkdirSync(here('data'), { recursive: true });
const training = readFileSync(here('../data/quickstart-train.jsonl'), 'utf8');
const trainingPairs = answeredPairs(training);
for (const [from, to, seed, allowed] of [['quickstart-train', 'pairs-train', SEED, trainingPairs], ['quickstart-test', 'pairs-test', SEED + 1, undefined]] as const) {
  const items = preferenceItems(readFileSync(here(`../data/${from}.jsonl`), 'utf8'), seed, allowed);
  writeFileSync(here(`data/${to}.jsonl`), `${items.map(toPreferenceLine).join('\n')}\n`);
  console.log(`wrote ${items.length} pairs to data/${to}.jsonl`);
}
