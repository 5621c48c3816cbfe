import { readerFor } from '../readers/reader.registry.js';
import { type ResolveOptions, resolveDataFiles } from '../readers/resolve-files.js';
import type { ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import { type PromptRecord, promptRecord } from './prompt-record.js';

export interface PromptDatasetOptions extends ResolveOptions {
  /** The column holding the prompt (TRL's `prompt`). */
  readonly promptColumn?: string;
}

/**
 * A prompt-only dataset, as GRPO, RLOO and PPO read one: every record of the files (JSONL, JSON,
 * CSV, Parquet; local paths, globs or hf:// references) with its prompt tokenized. A bad record is
 * an error naming its file and line: online methods sample from every prompt, so none is skipped.
 */
export async function loadPromptDataset(paths: string | readonly string[], tokenizer: ChatTokenizer, options: PromptDatasetOptions = {}): Promise<PromptRecord[]> {
  const records: PromptRecord[] = [];
  for (const file of await resolveDataFiles(paths, options)) {
    for await (const row of readerFor(file.path)(file.path, file.displayName)) {
      if (row.error) throw row.error;
      records.push(promptRecord(row.record, row.source, tokenizer, options.promptColumn));
    }
  }
  if (records.length === 0) throw new Error(`prompts: ${typeof paths === 'string' ? paths : paths.join(', ')} hold no records`);
  return records;
}
