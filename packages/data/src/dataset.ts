import { Batcher, type BatcherOptions } from './batching/batcher.js';
import { packExamples } from './batching/packer.js';
import { rowOf, type Row } from './batching/row.js';
import { truncate } from './batching/truncate.js';
import { parseDatasetConfig, type DatasetConfig, type DatasetConfigInput } from './dataset.config.js';
import { DataRowError, type RecordSource } from './errors.js';
import { detectFormat, formatByName } from './formats/format.registry.js';
import type { FormatName, RecordFormat } from './formats/format.types.js';
import { RecordView } from './formats/record-view.js';
import { STRICT_UTF8_SETTING, collectRecords } from './readers/collect-records.js';
import type { DataRecord } from './readers/reader.types.js';
import type { ResolveOptions } from './readers/resolve-files.js';
import { splitByRatio } from './split.js';
import type { ChatTokenizer } from './tokenize/chat-tokenizer.js';
import { tokenizeExample } from './tokenize/tokenize-example.js';
import { trainedTokenCount, type TokenizedExample } from './tokenize/tokenized-example.js';

export interface DatasetStats {
  /** Rows read from all files, training and validation, good and bad. */
  rows: number;
  /** Bad rows skipped under `skip_bad_rows`. */
  skipped: number;
  /** Examples cut to `max_length`. */
  truncated: number;
  /** Examples dropped because no token was left to train (all masked, or cut away); counted apart from `truncated`. */
  untrainable: number;
  /** Lines of text files with bytes that are not UTF-8 (read as U+FFFD), and where the first one is (`file:line`). */
  invalidUtf8Lines: number;
  firstInvalidUtf8: string | null;
  /** The format used (detected or configured) for the training files. */
  format: FormatName | null;
  trainExamples: number;
  validationExamples: number;
  /** Rows after packing (equal to examples without packing). */
  trainRows: number;
  validationRows: number;
  /** Tokens of the kept examples (after truncation), and how many of them are trained. */
  tokens: number;
  trainedTokens: number;
  /** The first few skipped rows' errors, for a run report. */
  badRowSamples: string[];
}


/** One side of the dataset (train or validation), ready to batch. */
export class DataSplit {
  constructor(
    readonly rows: readonly Row[],
    private readonly defaults: Omit<BatcherOptions, 'batchSize'>,
  ) {}

  batcher(batchSize: number, overrides: Partial<Omit<BatcherOptions, 'batchSize'>> = {}): Batcher {
    return new Batcher(this.rows, { ...this.defaults, ...overrides, batchSize });
  }
}

export interface LoadedDataset {
  readonly train: DataSplit;
  readonly validation: DataSplit | null;
  readonly stats: DatasetStats;
  readonly config: DatasetConfig;
}

export type LoadDatasetOptions = ResolveOptions;

/**
 * The whole data pipeline: files → records → format → chat template and tokens with loss masks →
 * truncation → split → packing → batchers. Bad rows throw an error naming file, line and field,
 * or are skipped and counted under `skip_bad_rows`.
 */
export async function loadDataset(configInput: DatasetConfigInput, tokenizer: ChatTokenizer, options: LoadDatasetOptions = {}): Promise<LoadedDataset> {
  const config = parseDatasetConfig(configInput);
  const padTokenId = tokenizer.padTokenId ?? tokenizer.eosTokenId;
  if (padTokenId == null) throw new Error('loadDataset: the tokenizer has neither a pad nor an eos token to pad batches with');
  const stats: DatasetStats = {
    rows: 0,
    skipped: 0,
    truncated: 0,
    untrainable: 0,
    invalidUtf8Lines: 0,
    firstInvalidUtf8: null,
    format: null,
    trainExamples: 0,
    validationExamples: 0,
    trainRows: 0,
    validationRows: 0,
    tokens: 0,
    trainedTokens: 0,
    badRowSamples: [],
  };
  const reader = new ExampleReader(config, tokenizer, stats, options);
  let train = await reader.read(config.path);
  stats.format = reader.format?.name ?? null;
  let validation: TokenizedExample[] | null = null;
  if (config.validation_path !== undefined) validation = await reader.read(config.validation_path);
  else if (config.validation_split > 0) ({ train, validation } = splitByRatio(train, config.validation_split, config.seed));
  if (train.length === 0) throw new Error(`dataset: no usable training examples in ${JSON.stringify(config.path)} (${stats.skipped} bad rows skipped, ${stats.untrainable} untrainable)`);

  const toRows = (examples: TokenizedExample[]): Row[] => (config.packing ? packExamples(examples, config.max_length) : examples.map(rowOf));
  const batching = { padTokenId, seed: config.seed, groupByLength: config.group_by_length, padToMultipleOf: config.pad_to_multiple_of };
  const trainRows = toRows(train);
  const validationRows = validation && validation.length > 0 ? toRows(validation) : null;
  Object.assign(stats, {
    trainExamples: train.length,
    validationExamples: validation?.length ?? 0,
    trainRows: trainRows.length,
    validationRows: validationRows?.length ?? 0,
  });
  return {
    train: new DataSplit(trainRows, { ...batching, shuffle: config.shuffle }),
    // Evaluation order never matters to the result, and a fixed order makes eval logs comparable.
    validation: validationRows && new DataSplit(validationRows, { ...batching, shuffle: false }),
    stats,
    config,
  };
}

/** Reads files into tokenized examples, applying the format, masking, truncation and bad-row policy. */
class ExampleReader {
  format: RecordFormat | null;

  constructor(
    private readonly config: DatasetConfig,
    private readonly tokenizer: ChatTokenizer,
    private readonly stats: DatasetStats,
    private readonly resolve: ResolveOptions,
  ) {
    this.format = config.format === 'auto' ? null : formatByName(config.format);
  }

  read(paths: string | readonly string[]): Promise<TokenizedExample[]> {
    const utf8 = { strict: this.config.strict_utf8, counts: this.stats, lenientSetting: STRICT_UTF8_SETTING };
    return collectRecords(paths, this.resolve, { skipBadRows: this.config.skip_bad_rows, counts: this.stats, utf8 }, (record, source) => this.toExample(record, source));
  }

  private toExample(record: DataRecord, source: RecordSource): TokenizedExample | null {
    // Detected once, from the first good record: one dataset, one format, so a record that lacks
    // the format's fields is reported as bad rather than silently read another way.
    this.format ??= detectFormat(record, source, this.config.columns);
    const example = this.format.convert(new RecordView(record, source, this.config.columns));
    let tokenized: TokenizedExample;
    try {
      tokenized = tokenizeExample(example, this.tokenizer, {
        trainOnInputs: this.config.train_on_inputs,
        template: { extra: this.config.chat_template_kwargs },
      });
    } catch (e) {
      throw new DataRowError(source, '', `cannot tokenize: ${(e as Error).message}`, { cause: e });
    }
    const cut = truncate(tokenized, this.config.max_length, this.config.truncation_side);
    const trained = trainedTokenCount(cut);
    if (trained === 0) {
      this.stats.untrainable++;
      return null;
    }
    if (cut !== tokenized) this.stats.truncated++;
    this.stats.tokens += cut.inputIds.length;
    this.stats.trainedTokens += trained;
    return { ...cut, source };
  }
}
