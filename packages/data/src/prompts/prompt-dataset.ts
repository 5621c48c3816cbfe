import { collectRecords } from '../readers/collect-records.js';
import type { ResolveOptions } from '../readers/resolve-files.js';
import type { ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import { type PromptRecord, promptRecord } from './prompt-record.js';

export interface PromptDatasetOptions extends ResolveOptions {
  /** The column holding the prompt (TRL's `prompt`). */
  readonly promptColumn?: string;
  /** Further chat template variables for conversational prompts (TRL's `chat_template_kwargs`). */
  readonly chatTemplateKwargs?: Readonly<Record<string, unknown>>;
}

/**
 * A prompt-only dataset, as GRPO, RLOO and PPO read one: every record of the files (JSONL, JSON,
 * CSV, Parquet; local paths, globs or hf:// references) with its prompt tokenized. A bad record, or
 * a line that is not UTF-8, is an error naming its file and line: online methods sample from every
 * prompt, so none is skipped or read garbled.
 */
export async function loadPromptDataset(paths: string | readonly string[], tokenizer: ChatTokenizer, options: PromptDatasetOptions = {}): Promise<PromptRecord[]> {
  const counts = { rows: 0, skipped: 0, badRowSamples: [] };
  const utf8 = { strict: true, counts: { invalidUtf8Lines: 0, firstInvalidUtf8: null } };
  const records = await collectRecords(paths, options, { skipBadRows: false, counts, utf8 }, (record, source) => promptRecord(record, source, tokenizer, { column: options.promptColumn, chatTemplateKwargs: options.chatTemplateKwargs }));
  if (records.length === 0) throw new Error(`prompts: ${typeof paths === 'string' ? paths : paths.join(', ')} hold no records`);
  return records;
}
