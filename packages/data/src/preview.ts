import { parseDatasetConfig, type DatasetConfigInput } from './dataset.config.js';
import { detectFormat, formatByName } from './formats/format.registry.js';
import type { FormatName, RecordFormat } from './formats/format.types.js';
import { RecordView } from './formats/record-view.js';
import { readerFor } from './readers/reader.registry.js';
import { resolveDataFiles, type ResolveOptions } from './readers/resolve-files.js';

export interface DatasetPreview {
  /** Every file the paths name, as errors print them. */
  readonly files: readonly string[];
  /** The format the first good row has (or the configured one). */
  readonly format: FormatName;
  /** Rows read and converted across all files. */
  readonly rowsChecked: number;
}

/**
 * What `tunekit train --dry-run` checks of the data without tokenizing it: every path (training and
 * validation) resolves to files, and the first `rows` rows of each parse and convert in the format. A bad row throws the
 * same error, with file, line and field, that training would stop at.
 */
export async function previewDataset(configInput: DatasetConfigInput, rows: number, options: ResolveOptions = {}): Promise<DatasetPreview> {
  const config = parseDatasetConfig(configInput);
  let format: RecordFormat | null = config.format === 'auto' ? null : formatByName(config.format);
  const paths = [config.path, config.validation_path].flatMap((p) => (p === undefined ? [] : typeof p === 'string' ? [p] : [...p]));
  const files = await resolveDataFiles(paths, options);
  let rowsChecked = 0;
  for (const file of files) {
    let n = 0;
    for await (const row of readerFor(file.path)(file.path, file.displayName)) {
      if (row.error) throw row.error;
      format ??= detectFormat(row.record, row.source, config.columns);
      format.convert(new RecordView(row.record, row.source, config.columns));
      rowsChecked++;
      if (++n >= rows) break;
    }
  }
  if (format === null) throw new Error(`dataset: ${files.map((f) => f.displayName).join(', ')} holds no rows`);
  return { files: files.map((f) => f.displayName), format: format.name, rowsChecked };
}
