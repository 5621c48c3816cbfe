import { type BpeModel, MAX_VOCAB_SIZE, trainBpe } from './bpe.trainer.js';
import { type CorpusFile, corpusSizes, readCorpus } from './corpus.reader.js';
import { type PreTokenizerName, compilePreTokenizer } from './pre-tokenizer.patterns.js';
import { type ChatTemplateName, resolveSpecialTokens } from './special-tokens.js';
import type { TokenizerFilesSpec } from './tokenizer-json.writer.js';
import { WordCounter } from './word.counter.js';

export interface TrainTokenizerOptions {
  readonly files: readonly CorpusFile[];
  /** Tokens in all, special tokens and the 256 bytes included (what `len(tokenizer)` reports). */
  readonly vocabSize: number;
  /** Default llama3. */
  readonly preTokenizer?: PreTokenizerName;
  /** Default `<|endoftext|>`; a chat template adds the tokens it writes. */
  readonly specialTokens?: readonly string[];
  readonly chatTemplate?: ChatTemplateName;
  /** The JSONL field holding the text (default "text"). */
  readonly textField?: string;
  readonly onProgress?: (progress: TrainProgress) => void;
}

export type TrainProgress =
  | { readonly phase: 'count'; readonly bytes: number; readonly totalBytes: number; readonly words: number }
  | { readonly phase: 'merge'; readonly vocabSize: number; readonly targetSize: number };

export interface TrainStats {
  readonly bytes: number;
  readonly preTokens: number;
  readonly uniqueWords: number;
  readonly countMs: number;
  readonly mergeMs: number;
}

export interface TrainedTokenizer extends TokenizerFilesSpec {
  readonly stats: TrainStats;
}

/** 256 byte tokens plus the special tokens: a vocabulary cannot be smaller. */
export const minimumVocabSize = (specialTokens: readonly string[]): number => 256 + specialTokens.length;

/**
 * Trains a byte-level BPE tokenizer on text and JSONL files: count the pre-tokens of the corpus,
 * streamed, then learn merges from the counts (bpe.trainer.ts). The vocabulary has exactly
 * `vocabSize` tokens unless the corpus runs out of pairs to merge first.
 */
export async function trainTokenizer(options: TrainTokenizerOptions): Promise<TrainedTokenizer> {
  const preTokenizer = options.preTokenizer ?? 'llama3';
  const specialTokens = resolveSpecialTokens(options.specialTokens, options.chatTemplate);
  const minimum = minimumVocabSize(specialTokens);
  if (!Number.isSafeInteger(options.vocabSize) || options.vocabSize < minimum || options.vocabSize > MAX_VOCAB_SIZE) {
    throw new RangeError(`vocabulary size must be an integer from ${minimum} (256 bytes + ${specialTokens.length} special tokens) to ${MAX_VOCAB_SIZE}, got ${options.vocabSize}`);
  }
  if (options.files.length === 0) throw new Error('no training files given');
  const report = options.onProgress ?? (() => {});

  const started = performance.now();
  const totalBytes = (await corpusSizes(options.files)).reduce((a, b) => a + b, 0);
  const counter = new WordCounter(compilePreTokenizer(preTokenizer), specialTokens);
  let bytes = 0;
  const texts = readCorpus(options.files, { textField: options.textField, onBytes: (n) => (bytes += n) });
  for await (const text of texts) {
    counter.add(text);
    report({ phase: 'count', bytes, totalBytes, words: counter.counts.size });
  }
  const counted = performance.now();

  const model: BpeModel = trainBpe(counter.counts, {
    vocabSize: options.vocabSize,
    specialTokens,
    onMerge: (vocabSize) => report({ phase: 'merge', vocabSize, targetSize: options.vocabSize }),
  });
  return {
    model,
    specialTokens,
    preTokenizer,
    chatTemplate: options.chatTemplate,
    stats: { bytes, preTokens: counter.preTokens, uniqueWords: counter.counts.size, countMs: counted - started, mergeMs: performance.now() - counted },
  };
}
