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
import { QUICKSTART_DATA, messagesJsonl, qaSplits } from './task.js';

const OUT = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'examples/data');

const { seed, train: trainCount, test: testCount, options } = QUICKSTART_DATA;
const { train, test } = qaSplits(seed, trainCount, testCount, options);
await mkdir(OUT, { recursive: true });
await writeFile(join(OUT, 'quickstart-train.jsonl'), messagesJsonl(train));
await writeFile(join(OUT, 'quickstart-test.jsonl'), messagesJsonl(test));
console.log(`wrote ${train.length} training and ${test.length} test examples to ${OUT}`);
