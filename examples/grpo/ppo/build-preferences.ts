// Preference pairs for the PPO demo's reward model, from the GRPO demo's own data: each prompt's
// right colour is chosen, another colour rejected. Train pairs come from examples/grpo/data's
// prompts, held-out pairs from the quickstart's test stories (which the evaluation also uses).
//   npx tsx examples/grpo/ppo/build-preferences.ts OUT_DIR
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { COLORS } from '../../../scripts/quickstart/lexicon.js';

type Message = { role: string; content: string };

/** A wrong colour for the `i`-th record: deterministic, spread over the other nine. */
function otherColour(answer: string, i: number): string {
  const at = COLORS.indexOf(answer.trim() as (typeof COLORS)[number]);
  if (at < 0) throw new Error(`"${answer}" is not one of the quickstart's colours`);
  return COLORS[(at + 1 + (i % (COLORS.length - 1))) % COLORS.length];
}

/** TRL's conversational paired format; answers carry the leading space the quickstart model writes. */
const pair = (user: Message, answer: string, i: number) =>
  JSON.stringify({ prompt: [user], chosen: [{ role: 'assistant', content: ` ${answer.trim()}` }], rejected: [{ role: 'assistant', content: ` ${otherColour(answer, i)}` }] });

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());

const out = process.argv[2];
if (!out) throw new Error('usage: build-preferences.ts OUT_DIR');
mkdirSync(out, { recursive: true });
const train = lines(here('../data/prompts-train.jsonl')).map((l, i) => {
  const r = JSON.parse(l) as { prompt: Message[]; answer: string };
  return pair(r.prompt[0], r.answer, i);
});
const test = lines(here('../../data/quickstart-test.jsonl')).map((l, i) => {
  const [user, assistant] = (JSON.parse(l) as { messages: Message[] }).messages;
  return pair(user, assistant.content, i);
});
writeFileSync(join(out, 'preferences-train.jsonl'), `${train.join('\n')}\n`);
writeFileSync(join(out, 'preferences-test.jsonl'), `${test.join('\n')}\n`);
console.log(`${train.length} train and ${test.length} held-out preference pairs in ${out}`);
