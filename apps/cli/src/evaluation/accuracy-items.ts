import { type ChatMessage, DataRowError, type Example, type RecordFormat, RecordView, detectFormat, readerFor } from '@tunekit/data';
import type { TextTokenizer } from '@tunekit/models';

/** One scored question: the prompt as the model sees it, and the answer it should give. */
export interface AccuracyItem {
  /** The user's text (the last user turn for messages), for reports. */
  readonly prompt: string;
  readonly promptIds: readonly number[];
  readonly reference: string;
  /** `file:line`, for reports and errors. */
  readonly source: string;
}

export interface AccuracyItemOptions {
  /** Wrap prompt/completion prompts in the chat template as a user turn (messages always use it). */
  readonly chat: boolean;
  readonly limit: number | null;
}

type Split = { prompt: string; ids: number[]; reference: string };
type Splitter = (example: Example, tokenizer: TextTokenizer, chat: boolean) => Split | string;
type Splitters = { [K in Example['kind']]: (example: Extract<Example, { kind: K }>, tokenizer: TextTokenizer, chat: boolean) => Split | string };

const lastUser = (messages: readonly ChatMessage[]): string => [...messages].reverse().find((m) => m.role === 'user')?.content ?? '';

/** How each record kind becomes a prompt and a reference, or why it cannot (the string). */
const SPLITTERS: Splitters = {
  // Encoded as tokenizeCompletion encodes the prompt in training, so the model meets the same tokens.
  completion: (e, t, chat) => ({
    prompt: e.prompt,
    ids: chat ? t.encodeChat([{ role: 'user', content: e.prompt }], { addGenerationPrompt: true }) : t.encode(e.prompt),
    reference: e.completion,
  }),
  chat: (e, t) => {
    const last = e.messages[e.messages.length - 1];
    if (last?.role !== 'assistant') return 'the last message must be the assistant\'s reference answer';
    const history = e.messages.slice(0, -1);
    return { prompt: lastUser(history), ids: t.encodeChat(history, { addGenerationPrompt: true }), reference: last.content };
  },
  text: () => 'plain text has no reference answer; use prompt/completion or messages records',
};

/** Reads a prompt/completion or messages file (any reader's format) into scored items. */
export async function readAccuracyItems(path: string, tokenizer: TextTokenizer, options: AccuracyItemOptions): Promise<AccuracyItem[]> {
  const items: AccuracyItem[] = [];
  let format: RecordFormat | null = null;
  for await (const row of readerFor(path)(path, path)) {
    if (row.error) throw row.error;
    // One file, one format: detected from its first record, as the data pipeline does.
    format ??= detectFormat(row.record, row.source);
    const example = format.convert(new RecordView(row.record, row.source));
    const result = (SPLITTERS[example.kind] as Splitter)(example, tokenizer, options.chat);
    if (typeof result === 'string') throw new DataRowError(row.source, '', result);
    items.push({ prompt: result.prompt, promptIds: result.ids, reference: result.reference, source: `${row.source.file}:${row.source.line}` });
    if (items.length === options.limit) break;
  }
  if (items.length === 0) throw new Error(`${path}: no evaluation records`);
  return items;
}
