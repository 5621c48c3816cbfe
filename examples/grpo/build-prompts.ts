// Writes the GRPO demo's prompt file: stories the quickstart's SFT never saw, built by the
// quickstart's own generator (scripts/quickstart/task.ts, the same seed and held-out pairs) past its
// 3,000 training stories. The user turn becomes a conversational `prompt`, the colour word the
// `answer` column the reward function reads. Seeded: rerunning it rewrites the same bytes.
//   npx tsx examples/grpo/build-prompts.ts
//
// Not the quickstart's training stories themselves: the demo's start has seen each of those 2.7
// times in its SFT, and answers them from memory more often than it copies.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { QUICKSTART_DATA, qaSplits, userPrompt } from '../../scripts/quickstart/task.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Stories drawn past the quickstart's own; a story whose text is a training story's is left out. */
const DRAWN = 2_000;

const seen = new Set(
  readFileSync(here('../data/quickstart-train.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { messages: { content: string }[] }).messages[0].content),
);
const { train } = qaSplits(QUICKSTART_DATA.seed, QUICKSTART_DATA.train + DRAWN, 0, QUICKSTART_DATA.options);
const fresh = train.slice(QUICKSTART_DATA.train).filter((e) => !seen.has(userPrompt(e)));
const lines = fresh.map((e) => JSON.stringify({ prompt: [{ role: 'user', content: userPrompt(e) }], answer: e.answer.trim() }));
writeFileSync(here('data/prompts-train.jsonl'), `${lines.join('\n')}\n`);
console.log(`wrote ${lines.length} prompts to data/prompts-train.jsonl`);
