// Writes the GRPO demo's prompt files from the quickstart's conversations: the user turn becomes a
// conversational `prompt`, the assistant's colour word the `answer` column the reward function reads.
//   npx tsx examples/grpo/build-prompts.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

function convert(from: string, to: string, limit: number): void {
  const lines = readFileSync(here(from), 'utf8').split('\n').filter(Boolean).slice(0, limit);
  const out = lines.map((line) => {
    const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
    const [user, assistant] = messages;
    return JSON.stringify({ prompt: [user], answer: assistant.content.trim() });
  });
  writeFileSync(here(to), `${out.join('\n')}\n`);
}

// Training prompts from the quickstart's training stories (the held-out measure reads the
// quickstart's test conversations as they are, through the `evaluation:` section).
convert('../data/quickstart-train.jsonl', 'data/prompts-train.jsonl', 1000);
