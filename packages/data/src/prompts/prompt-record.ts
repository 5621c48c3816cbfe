import { DataRowError, type RecordSource, describeValue } from '../errors.js';
import type { DataRecord } from '../readers/reader.types.js';
import type { ChatMessage, ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import { encodeConversation } from '../tokenize/encode-conversation.js';

/** One prompt of a prompt-only dataset (TRL's `prompt` column), with the record's other columns. */
export interface PromptRecord {
  /** Plain text (standard) or a conversation that ends where the assistant should answer (conversational). */
  readonly prompt: string | readonly ChatMessage[];
  /** The prompt as the model reads it: the chat template with the assistant turn opened, for conversations. */
  readonly promptIds: readonly number[];
  /** Every other column (`answer`, `solution`, ...), passed to reward functions as TRL passes them. */
  readonly columns: Readonly<Record<string, unknown>>;
  readonly source: RecordSource;
}

export interface PromptRecordOptions {
  /** The column holding the prompt (TRL's `prompt`). */
  readonly column?: string;
  /** Further chat template variables (`enable_thinking: false`): TRL's `chat_template_kwargs`. */
  readonly chatTemplateKwargs?: Readonly<Record<string, unknown>>;
}

const ROLES = ['system', 'user', 'assistant'];

function messages(value: readonly unknown[], source: RecordSource, column: string): ChatMessage[] {
  return value.map((m, i) => {
    const where = `${column}[${i}]`;
    if (typeof m !== 'object' || m === null) throw new DataRowError(source, where, `expected a message {role, content}, got ${describeValue(m)}`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.includes(role)) throw new DataRowError(source, `${where}.role`, `expected one of ${ROLES.join('|')}, got ${describeValue(role)}`);
    if (typeof content !== 'string') throw new DataRowError(source, `${where}.content`, `expected a string, got ${describeValue(content)}`);
    return { role: role as ChatMessage['role'], content };
  });
}

/**
 * Reads and tokenizes one prompt: a string is encoded as it is (the tokenizer adds its special
 * tokens), a list of messages goes through the chat template with the generation prompt, as TRL's
 * `maybe_apply_chat_template` does for conversational prompts.
 */
export function promptRecord(record: DataRecord, source: RecordSource, tokenizer: ChatTokenizer, options: PromptRecordOptions = {}): PromptRecord {
  const column = options.column ?? 'prompt';
  const value = record[column];
  const { [column]: _prompt, ...columns } = record;
  let prompt: string | ChatMessage[];
  let promptIds: number[];
  if (typeof value === 'string') {
    prompt = value;
    promptIds = tokenizer.encode(value);
  } else if (Array.isArray(value) && value.length > 0) {
    prompt = messages(value, source, column);
    promptIds = encodeConversation(prompt, tokenizer, { addGenerationPrompt: true, extra: options.chatTemplateKwargs ?? {} });
  } else {
    const keys = Object.keys(record);
    throw new DataRowError(source, column, `expected a prompt (a string or a list of messages), got ${describeValue(value)}${value === undefined ? `; the record has ${keys.join(', ') || 'no columns'}` : ''}`);
  }
  if (promptIds.length === 0) throw new DataRowError(source, column, 'the prompt tokenizes to nothing');
  return { prompt, promptIds, columns, source };
}
