// Writes the alignment demo's data from the quickstart task with a distractor (a second thing of
// another colour in the story), seeded, so rerunning it rewrites the same bytes:
//   npx tsx examples/alignment/build-data.ts
// - data/pairs-train.jsonl, data/pairs-test.jsonl: TRL's conversational paired format; the chosen
//   answer is the colour of the thing asked about, the rejected one the other colour in the story;
// - data/questions-test.jsonl: the held-out pairs' questions with the chosen answer (OpenAI
//   `messages`), which the runs' `evaluation:` section scores by greedy exact match.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PreferenceItem, preferenceSplits, toPreferenceLine } from './src/preference-data.js';

const SEED = 2025;
const TRAIN = 2_000;
const TEST = 200;

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const toQuestionLine = (p: PreferenceItem): string => JSON.stringify({ messages: [{ role: 'user', content: p.prompt }, { role: 'assistant', content: p.chosen }] });
const write = (name: string, lines: string[]) => writeFileSync(here(`data/${name}`), `${lines.join('\n')}\n`);

const { train, test } = preferenceSplits(SEED, TRAIN, TEST);
mkdirSync(here('data'), { recursive: true });
write('pairs-train.jsonl', train.map(toPreferenceLine));
write('pairs-test.jsonl', test.map(toPreferenceLine));
write('questions-test.jsonl', test.map(toQuestionLine));
console.log(`wrote ${train.length} training and ${test.length} held-out pairs to ${here('data')}`);
