import type { ChatMessage } from '../tokenize/chat-tokenizer.js';
import type { RecordView } from './record-view.js';

/** A conversation with no assistant turn has nothing to learn from under assistant-only loss. */
export function requireAssistantTurn(messages: readonly ChatMessage[], row: RecordView, field: string): readonly ChatMessage[] {
  if (!messages.some((m) => m.role === 'assistant')) throw row.error(row.name(field), 'expected at least one assistant message, got none');
  return messages;
}
