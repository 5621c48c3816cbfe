import { type Batch as TrainerBatch, type TrainDataSource } from '@tunekit/core';
import { batchesPerEpoch, planEpoch } from '../batching/batch-plan.js';
import { parseDatasetConfig, type DatasetConfig, type DatasetConfigInput } from '../dataset.config.js';
import { DataRowError, type RecordSource } from '../errors.js';
import { RecordView } from '../formats/record-view.js';
import { STRICT_UTF8_SETTING, collectRecords, type RowCounts, type Utf8Counts } from '../readers/collect-records.js';
import type { DataRecord } from '../readers/reader.types.js';
import type { ResolveOptions } from '../readers/resolve-files.js';
import { splitByRatio } from '../split.js';
import type { ChatTokenizer } from '../tokenize/chat-tokenizer.js';
import { type CollateOptions, type PairedBatch, collatePairs, collateUnpaired } from './preference-collate.js';
import { type PreferenceFormat, detectPreferenceFormat, preferenceFormatByName } from './preference-formats.js';
import { PREFERENCE_ROWS, type PreferenceRows, layoutRows, promptIsPrefix, tokenizeTurns } from './preference-tokenize.js';
import { PREFERENCE_TRUNCATION_DEFAULTS, type PreferenceTruncation, type TruncationCounts, noTruncation, truncateTurns } from './preference-truncate.js';
import type { PreferenceExample, TokenizedPair, TokenizedUnpaired } from './preference.types.js';

export interface PreferenceStats extends RowCounts, TruncationCounts, Utf8Counts {
  /** The format read (detected or configured). */
  format: PreferenceFormat['name'] | null;
  trainExamples: number;
  validationExamples: number;
  /** Tokens of the kept examples: the prompt once, plus every completion. */
  tokens: number;
  /** Examples (`prompt_completion` rows) whose prompt ids are not the start of prompt + completion tokenized whole. */
  promptMismatches: number;
}

export interface LoadPreferenceOptions extends ResolveOptions {
  /** TRL's truncation settings besides `max_length`, which is the data section's (null: no limit). */
  readonly truncation?: Partial<Omit<PreferenceTruncation, 'maxLength'>>;
  /** The trainer's row layout: `prompt_completion` (DPO, KTO and relatives; the default) or `whole` (reward models). */
  readonly rows?: PreferenceRows;
}

type Tokenized = TokenizedPair | TokenizedUnpaired;

/** One side (train or validation) of a preference dataset, ready to batch. */
export class PreferenceSplit {
  constructor(
    readonly examples: readonly Tokenized[],
    readonly paired: boolean,
    private readonly options: CollateOptions & { readonly seed: number; readonly shuffle: boolean; readonly groupByLength: boolean },
  ) {}

  /** Random-access batches of `batchSize` examples (a pure function of seed and epoch, so resume is exact). */
  batcher(batchSize: number): PreferenceBatcher {
    return new PreferenceBatcher(this, batchSize, this.options);
  }
}

export class PreferenceBatcher implements TrainDataSource {
  private planned: { epoch: number; batches: number[][] } | null = null;

  constructor(
    private readonly split: PreferenceSplit,
    readonly batchSize: number,
    private readonly options: CollateOptions & { readonly seed: number; readonly shuffle: boolean; readonly groupByLength: boolean },
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`PreferenceBatcher: batch size must be a positive integer, got ${batchSize}`);
  }

  numBatches(): number {
    return batchesPerEpoch(this.split.examples.length, this.batchSize, false);
  }

  /** The collated batch with each example's file and line. */
  batchAt(epoch: number, index: number): PairedBatch {
    if (this.planned?.epoch !== epoch) {
      const lengths = this.split.examples.map((x) => x.prompt.length + ('chosen' in x ? Math.max(x.chosen.length, x.rejected.length) : x.completion.length));
      this.planned = { epoch, batches: planEpoch(lengths, { ...this.options, batchSize: this.batchSize, megabatchFactor: 50, dropLast: false }, epoch) };
    }
    const rows = this.planned.batches[index];
    if (!rows) throw new Error(`PreferenceBatcher: batch ${index} does not exist; epoch ${epoch} has ${this.planned.batches.length}`);
    const items = rows.map((i) => this.split.examples[i]);
    return this.split.paired ? collatePairs(items as TokenizedPair[], this.options) : collateUnpaired(items as TokenizedUnpaired[], this.options);
  }

  batch(epoch: number, index: number): TrainerBatch & { readonly sources: readonly RecordSource[] } {
    const { tensors, tokens, sources } = this.batchAt(epoch, index);
    return { tensors, tokens, sources };
  }
}

export interface LoadedPreferenceDataset {
  readonly train: PreferenceSplit;
  readonly validation: PreferenceSplit | null;
  readonly stats: PreferenceStats;
  readonly config: DatasetConfig;
  readonly truncation: PreferenceTruncation;
}

/** Data settings of the SFT pipeline that would change what a preference run learns, and why they do not apply. */
const NOT_FOR_PREFERENCES: readonly [keyof DatasetConfig, unknown, string][] = [
  ['packing', false, 'preference pairs are not packed: chosen and rejected must stay aligned on their prompt'],
  ['train_on_inputs', false, 'the preference losses score completion tokens only'],
  ['truncation_side', 'right', 'preference data is cut by truncation_mode (keep_end or keep_start), which keeps the prompt shared'],
];

/**
 * TRL's preference datasets, read like the SFT formats (files, globs, hf://, column mapping,
 * detection, bad-row policy): paired `{prompt?, chosen, rejected, margin?}` or unpaired
 * `{prompt, completion, label}`, text or conversations (the chat template applied), tokenized with
 * the prompt shared, truncated as TRL does (reported), and batched for the preference tasks.
 */
export async function loadPreferenceDataset(configInput: DatasetConfigInput, tokenizer: ChatTokenizer, options: LoadPreferenceOptions = {}): Promise<LoadedPreferenceDataset> {
  const config = parseDatasetConfig(configInput);
  for (const [key, neutral, why] of NOT_FOR_PREFERENCES) {
    if (config[key] !== neutral) throw new Error(`dataset.${key}: ${JSON.stringify(config[key])} is not supported for preference data: ${why}`);
  }
  const padTokenId = tokenizer.padTokenId ?? tokenizer.eosTokenId;
  if (padTokenId == null) throw new Error('loadPreferenceDataset: the tokenizer has neither a pad nor an eos token to pad batches with');
  const truncation: PreferenceTruncation = { ...PREFERENCE_TRUNCATION_DEFAULTS, ...options.truncation, maxLength: config.max_length };
  const rows = options.rows ?? 'prompt_completion';
  if (!PREFERENCE_ROWS.includes(rows)) throw new Error(`loadPreferenceDataset: rows must be one of ${PREFERENCE_ROWS.join(', ')}, got ${JSON.stringify(rows)}`);
  const stats: PreferenceStats = { rows: 0, skipped: 0, badRowSamples: [], invalidUtf8Lines: 0, firstInvalidUtf8: null, ...noTruncation(), format: null, trainExamples: 0, validationExamples: 0, tokens: 0, promptMismatches: 0 };
  const reader = new PreferenceReader(config, tokenizer, truncation, rows, stats);
  const read = (paths: string | readonly string[]) =>
    collectRecords(paths, options, { skipBadRows: config.skip_bad_rows, counts: stats, utf8: { strict: config.strict_utf8, counts: stats, lenientSetting: STRICT_UTF8_SETTING } }, (record, source) => reader.toExample(record, source));
  let train = await read(config.path);
  stats.format = reader.format?.name ?? null;
  let validation: Tokenized[] | null = null;
  if (config.validation_path !== undefined) validation = await read(config.validation_path);
  else if (config.validation_split > 0) ({ train, validation } = splitByRatio(train, config.validation_split, config.seed));
  if (train.length === 0) {
    throw new Error(`dataset: no usable preference examples in ${JSON.stringify(config.path)} (${stats.skipped} bad rows skipped, ${stats.dropped} too long to fit max_length)`);
  }
  stats.trainExamples = train.length;
  stats.validationExamples = validation?.length ?? 0;
  const paired = reader.format?.name !== 'unpaired_preference';
  const batching = { padTokenId, padToMultipleOf: config.pad_to_multiple_of, seed: config.seed, groupByLength: config.group_by_length };
  return {
    train: new PreferenceSplit(train, paired, { ...batching, shuffle: config.shuffle }),
    // Evaluation order never matters to the result, and a fixed order makes eval logs comparable.
    validation: validation && validation.length > 0 ? new PreferenceSplit(validation, paired, { ...batching, shuffle: false }) : null,
    stats,
    config,
    truncation,
  };
}

/** Records → format → tokens with the prompt shared → truncation; the format is detected once, from the first good record. */
class PreferenceReader {
  format: PreferenceFormat | null;
  /** Whether the dataset has margins, set by its first example: one batch shape for the whole run. */
  private margins: boolean | null = null;

  constructor(
    private readonly config: DatasetConfig,
    private readonly tokenizer: ChatTokenizer,
    private readonly truncation: PreferenceTruncation,
    private readonly rows: PreferenceRows,
    private readonly stats: PreferenceStats,
  ) {
    const name = config.format;
    this.format = name === 'auto' ? null : (preferenceFormatByName(name) ?? null);
    if (name !== 'auto' && !this.format) throw new Error(`dataset.format: "${name}" is not a preference format; expected auto, preference or unpaired_preference`);
  }

  toExample(record: DataRecord, source: RecordSource): Tokenized | null {
    this.format ??= detectPreferenceFormat(record, source, this.config.columns);
    const example = this.format.convert(new RecordView(record, source, this.config.columns));
    this.checkMargin(example, source);
    const [prompt, ...completions] = example.kind === 'paired' ? [example.prompt, example.chosen, example.rejected] : [example.prompt, example.completion];
    let tokens;
    try {
      tokens = tokenizeTurns(prompt, completions, this.tokenizer, { template: { extra: this.config.chat_template_kwargs } });
    } catch (e) {
      throw new DataRowError(source, '', `cannot tokenize: ${(e as Error).message}`, { cause: e });
    }
    if (this.rows === 'prompt_completion' && !promptIsPrefix(tokens)) this.stats.promptMismatches++;
    const laid = layoutRows(tokens, this.rows);
    const cut = truncateTurns(laid.prompt, laid.completions, this.truncation, this.stats);
    if (!cut) return null;
    this.stats.tokens += cut.prompt.length + cut.completions.reduce((n, c) => n + c.length, 0);
    if (example.kind === 'unpaired') return { prompt: cut.prompt, completion: cut.completions[0], label: example.label, source };
    const [chosen, rejected] = cut.completions;
    return { prompt: cut.prompt, chosen, rejected, source, ...(example.margin === undefined ? {} : { margin: example.margin }) };
  }

  private checkMargin(example: PreferenceExample, source: RecordSource): void {
    if (example.kind !== 'paired') return;
    const has = example.margin !== undefined;
    this.margins ??= has;
    if (has !== this.margins) {
      const column = this.config.columns.margin ?? 'margin';
      throw new DataRowError(source, column, this.margins ? 'expected a number: earlier rows have a margin' : 'unexpected: the first rows have no margin, so none is used');
    }
  }
}
