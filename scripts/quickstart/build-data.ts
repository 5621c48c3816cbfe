/**
 * Writes the quickstart's task data, examples/data/quickstart-{train,test}.jsonl, in the OpenAI
 * chat `messages` format: the user turn holds a story and a question, the assistant turn the colour word
 * (with the leading space it has in the story, so it is the same token).
 * Seeded: rerunning it rewrites the same bytes.
 *
 * Run: npx tsx scripts/quickstart/build-data.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type QaExample, qaSplits, userPrompt } from './task.js';

const OUT = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'examples/data');
const SEED = 2024;
const TRAIN = 3_000;
const TEST = 200;
/**
 * The task in its simplest form: one person, one thing. A second thing of another colour
 * (`distractor: true`) did not reach 70% within the quickstart's training budget.
 */
const OPTIONS = { distractor: false, extras: true };

const toLine = (e: QaExample): string =>
  JSON.stringify({ messages: [{ role: 'user', content: userPrompt(e) }, { role: 'assistant', content: e.answer }] });

const { train, test } = qaSplits(SEED, TRAIN, TEST, OPTIONS);
await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, 'quickstart-train.jsonl'), `${train.map(toLine).join('\n')}\n`);
await writeFile(join(OUT, 'quickstart-test.jsonl'), `${test.map(toLine).join('\n')}\n`);
console.log(`wrote ${train.length} training and ${test.length} test examples to ${OUT}`);
