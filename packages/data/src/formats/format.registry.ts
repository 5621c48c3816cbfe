import type { DataRecord } from '../readers/reader.types.js';
import type { RecordSource } from '../errors.js';
import { alpacaFormat } from './alpaca.format.js';
import type { ColumnMap, FormatName, RecordFormat } from './format.types.js';
import { PREFERENCE_FORMAT_NAMES, type PreferenceFormatName } from '../preference/preference-formats.js';
import { messagesFormat } from './messages.format.js';
import { promptCompletionFormat } from './prompt-completion.format.js';
import { detectByFields } from './detect-by-fields.js';
import { sharegptFormat } from './sharegpt.format.js';
import { textFormat } from './text.format.js';

/**
 * Every format, in detection order: the most specific signatures first, so a chat record that also
 * carries a `text` column (many Hub datasets keep a rendered copy) is read as chat.
 */
export const FORMATS: readonly RecordFormat[] = [messagesFormat, sharegptFormat, alpacaFormat, promptCompletionFormat, textFormat];

export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

export function formatByName(name: string): RecordFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (format) return format;
  // Accepted by the data section for the tasks that read preference data, not by the SFT pipeline.
  if (PREFERENCE_FORMAT_NAMES.includes(name as PreferenceFormatName)) {
    throw new Error(`dataset format ${JSON.stringify(name)} is preference data, read by the preference tasks (task: reward, dpo, ...); this task reads one of auto|${FORMAT_NAMES.join('|')}`);
  }
  throw new Error(`unknown dataset format ${JSON.stringify(name)}; expected one of auto|${FORMAT_NAMES.join('|')}`);
}

/** The first format whose signature fields are all present (after column mapping). */
export function detectFormat(record: DataRecord, source: RecordSource, columns: ColumnMap = {}): RecordFormat {
  return detectByFields(FORMATS, 'record format', record, source, columns);
}
