import type { ChatRole } from '../tokenize/chat-tokenizer.js';
import { requireAssistantTurn } from './chat-checks.js';
import type { RecordFormat } from './format.types.js';

const ROLES: Readonly<Record<string, ChatRole>> = { system: 'system', user: 'user', assistant: 'assistant' };

/** OpenAI chat format: `{"messages": [{"role": "user", "content": "..."}, ...]}`. */
export const messagesFormat: RecordFormat = {
  name: 'messages',
  signature: ['messages'],
  convert(row) {
    const messages = row.list('messages').map((value, i) => {
      const item = row.item(value, `${row.name('messages')}[${i}]`);
      return { role: item.choice('role', ROLES), content: item.text('content') };
    });
    return { kind: 'chat', messages: requireAssistantTurn(messages, row, 'messages') };
  },
};
