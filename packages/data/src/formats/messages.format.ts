import type { ChatMessage, ChatRole } from '../tokenize/chat-tokenizer.js';
import { requireAssistantTurn } from './chat-checks.js';
import type { RecordFormat } from './format.types.js';
import type { RecordView } from './record-view.js';

const ROLES: Readonly<Record<string, ChatRole>> = { system: 'system', user: 'user', assistant: 'assistant' };

/** An OpenAI message list in `field` (`[{"role": "user", "content": "..."}, ...]`), each message checked. */
export function readMessages(row: RecordView, field: string): ChatMessage[] {
  return row.list(field).map((value, i) => {
    const item = row.item(value, `${row.name(field)}[${i}]`);
    return { role: item.choice('role', ROLES), content: item.text('content') };
  });
}

/** OpenAI chat format: `{"messages": [{"role": "user", "content": "..."}, ...]}`. */
export const messagesFormat: RecordFormat = {
  name: 'messages',
  signature: ['messages'],
  convert(row) {
    return { kind: 'chat', messages: requireAssistantTurn(readMessages(row, 'messages'), row, 'messages') };
  },
};
