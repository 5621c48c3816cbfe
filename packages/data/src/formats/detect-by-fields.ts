import { DataRowError, type RecordSource } from '../errors.js';
import type { DataRecord } from '../readers/reader.types.js';
import type { ColumnMap } from './format.types.js';
import { RecordView } from './record-view.js';

/**
 * The first of `formats` (in table order) whose signature fields the record has, or an error that
 * names the fields seen and what each format needs, in the data's own column names.
 */
export function detectByFields<F extends { readonly name: string; readonly signature: readonly string[] }>(
  formats: readonly F[],
  what: string,
  record: DataRecord,
  source: RecordSource,
  columns: ColumnMap,
): F {
  const view = new RecordView(record, source, columns);
  const format = formats.find((f) => f.signature.every((field) => view.has(field)));
  if (format) return format;
  const signatures = formats.map((f) => `${f.name} (${f.signature.map((s) => view.name(s)).join(', ')})`).join('; ');
  throw new DataRowError(
    source,
    '',
    `cannot detect the ${what} from fields [${Object.keys(record).join(', ')}]; expected the fields of one of: ${signatures}. Set \`format\`, or map columns with \`columns\``,
  );
}
