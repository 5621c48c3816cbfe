import type { ChatRole } from '../tokenize/chat-tokenizer.js';
import { requireAssistantTurn } from './chat-checks.js';
import type { RecordFormat } from './format.types.js';

/** ShareGPT speaker names; `user`/`assistant` appear in many ShareGPT-style exports too. */
const SPEAKERS: Readonly<Record<string, ChatRole>> = {
  human: 'user',
  gpt: 'assistant',
  system: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** ShareGPT: `{"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", ...}]}`. */
export const sharegptFormat: RecordFormat = {
  name: 'sharegpt',
  signature: ['conversations'],
  convert(row) {
    const messages = row.list('conversations').map((value, i) => {
      const item = row.item(value, `${row.name('conversations')}[${i}]`);
      return { role: item.choice('from', SPEAKERS), content: item.text('value') };
    });
    return { kind: 'chat', messages: requireAssistantTurn(messages, row, 'conversations') };
  },
};
