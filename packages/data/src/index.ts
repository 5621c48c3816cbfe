export { DataRowError, describeValue, type RecordSource } from './errors.js';

export type { DataRecord, SourcedRecord, RecordReader } from './readers/reader.types.js';
export { READERS, readerFor } from './readers/reader.registry.js';
export { readJsonl } from './readers/jsonl.reader.js';
export { readJson } from './readers/json.reader.js';
export { csvReader } from './readers/csv.reader.js';
export { readParquet } from './readers/parquet.reader.js';
export { readText } from './readers/text.reader.js';
export { resolveDataFiles, type DataFile, type HubFilesRef, type HubFilesResolver, type ResolveOptions } from './readers/resolve-files.js';

export type { Example, FormatName, ColumnMap, RecordFormat } from './formats/format.types.js';
export { RecordView, ItemView } from './formats/record-view.js';
export { FORMATS, FORMAT_NAMES, formatByName, detectFormat } from './formats/format.registry.js';

export type { ChatTokenizer, ChatMessage, ChatRole, ChatTemplateOptions } from './tokenize/chat-tokenizer.js';
export { IGNORE_INDEX, trainedTokenCount, type TokenizedExample } from './tokenize/tokenized-example.js';
export { assistantSpans, type CharSpan, type RenderChat } from './tokenize/assistant-spans.js';
export { tokenizeSpans, type SpanTokens } from './tokenize/span-tokens.js';
export { tokenizeChat, type ChatTokenizeOptions } from './tokenize/chat-masking.js';
export { encodeConversation } from './tokenize/encode-conversation.js';
export { tokenizeCompletion, tokenizeText } from './tokenize/completion.js';
export { tokenizeExample } from './tokenize/tokenize-example.js';

export { truncate, truncateAll, TRUNCATION_SIDES, type TruncationSide, type TruncateReport } from './batching/truncate.js';
export { rowOf, type Row } from './batching/row.js';
export { packExamples, packedAttentionMask } from './batching/packer.js';
export { Batcher, type Batch, type BatchTensors, type BatcherOptions, type DataCursor } from './batching/batcher.js';
export { splitByRatio, type Split } from './split.js';

export { DatasetConfigError, parseDatasetConfig, DATASET_DEFAULTS, type DatasetConfig, type DatasetConfigInput } from './dataset.config.js';
export { type DatasetPreview, previewDataset } from './preview.js';
export { loadDataset, DataSplit, type DatasetStats, type LoadedDataset, type LoadDatasetOptions } from './dataset.js';
export { toTrainDataSource, type TrainDataSourceOptions } from './trainer-source/trainer-source.js';
export type { Turn, PairedExample, UnpairedExample, PreferenceExample, TokenizedPair, TokenizedUnpaired } from './preference/preference.types.js';
export { extractPrompt } from './preference/implicit-prompt.js';
export {
  PREFERENCE_FORMATS,
  PREFERENCE_FORMAT_NAMES,
  detectPreferenceFormat,
  preferenceFormatByName,
  pairedFormat,
  unpairedFormat,
  type PreferenceFormat,
  type PreferenceFormatName,
} from './preference/preference-formats.js';
export { TEXT_ROWS, encodeTextRow, type TextRowRule } from './preference/sequence-render.js';
export { PREFERENCE_ROWS, layoutRows, promptIsPrefix, tokenizeTurns, type PreferenceRows, type PreferenceTokenizeOptions, type TokenizedTurns } from './preference/preference-tokenize.js';
export {
  PREFERENCE_TRUNCATION_DEFAULTS,
  TRUNCATION_MODES,
  truncateTurns,
  noTruncation,
  type PreferenceTruncation,
  type TruncationCounts,
  type TruncationMode,
} from './preference/preference-truncate.js';
export { collatePairs, collateUnpaired, type CollateOptions, type PairedBatch } from './preference/preference-collate.js';
export {
  loadPreferenceDataset,
  PreferenceBatcher,
  PreferenceSplit,
  type LoadedPreferenceDataset,
  type LoadPreferenceOptions,
  type PreferenceStats,
} from './preference/preference-dataset.js';
export { describePreferenceData, preferenceDataWarnings } from './preference/preference-summary.js';
export { planEpoch, batchesPerEpoch, type BatchPlanOptions } from './batching/batch-plan.js';
export { collectRecords, type RowCounts, type Utf8Counts, utf8Warning } from './readers/collect-records.js';

export { type PromptRecord, type PromptRecordOptions, promptRecord } from './prompts/prompt-record.js';
export { type PromptDatasetOptions, loadPromptDataset } from './prompts/prompt-dataset.js';
