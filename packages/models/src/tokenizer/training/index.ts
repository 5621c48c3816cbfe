export { type BpeModel, type BpeTrainerOptions, MAX_VOCAB_SIZE, trainBpe } from './bpe.trainer.js';
export { BYTE_ALPHABET, toByteChars } from './byte-alphabet.js';
export { type CorpusFile, type CorpusFormat, type ReadCorpusOptions, corpusFormatOf, corpusSizes, readCorpus } from './corpus.reader.js';
export { CorpusError } from './corpus.errors.js';
export { PRE_TOKENIZER_NAMES, PRE_TOKENIZER_PATTERNS, type PreTokenizerName, compilePreTokenizer, isPreTokenizerName, splitPreTokenizerConfig } from './pre-tokenizer.patterns.js';
export {
  CHAT_TEMPLATE_NAMES,
  CHAT_TEMPLATE_PRESETS,
  type ChatTemplateName,
  DEFAULT_SPECIAL_TOKENS,
  type TokenRoles,
  isChatTemplateName,
  resolveSpecialTokens,
  tokenRoles,
} from './special-tokens.js';
export { type TokenizerFilesSpec, tokenizerConfigOf, tokenizerJsonOf, writeTokenizerFiles } from './tokenizer-json.writer.js';
export { type TrainProgress, type TrainStats, type TrainTokenizerOptions, type TrainedTokenizer, minimumVocabSize, trainTokenizer } from './tokenizer.trainer.js';
export { WordCounter } from './word.counter.js';
