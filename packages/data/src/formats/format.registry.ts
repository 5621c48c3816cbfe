import { DataRowError } from '../errors.js';
import type { DataRecord } from '../readers/reader.types.js';
import type { RecordSource } from '../errors.js';
import { alpacaFormat } from './alpaca.format.js';
import type { ColumnMap, FormatName, RecordFormat } from './format.types.js';
import { messagesFormat } from './messages.format.js';
import { promptCompletionFormat } from './prompt-completion.format.js';
import { RecordView } from './record-view.js';
import { sharegptFormat } from './sharegpt.format.js';
import { textFormat } from './text.format.js';

/**
 * Every format, in detection order: the most specific signatures first, so a chat record that also
 * carries a `text` column (many Hub datasets keep a rendered copy) is read as chat.
 */
export const FORMATS: readonly RecordFormat[] = [messagesFormat, sharegptFormat, alpacaFormat, promptCompletionFormat, textFormat];

export const FORMAT_NAMES: readonly FormatName[] = FORMATS.map((f) => f.name);

export function formatByName(name: FormatName): RecordFormat {
  const format = FORMATS.find((f) => f.name === name);
  if (!format) throw new Error(`unknown dataset format ${JSON.stringify(name)}; expected one of auto|${FORMAT_NAMES.join('|')}`);
  return format;
}

/** The first format whose signature fields are all present (after column mapping). */
export function detectFormat(record: DataRecord, source: RecordSource, columns: ColumnMap = {}): RecordFormat {
  const view = new RecordView(record, source, columns);
  const format = FORMATS.find((f) => f.signature.every((field) => view.has(field)));
  if (format) return format;
  const signatures = FORMATS.map((f) => `${f.name} (${f.signature.map((s) => view.name(s)).join(', ')})`).join('; ');
  throw new DataRowError(
    source,
    '',
    `cannot detect the record format from fields [${Object.keys(record).join(', ')}]; expected the fields of one of: ${signatures}. Set \`format\`, or map columns with \`columns\``,
  );
}
