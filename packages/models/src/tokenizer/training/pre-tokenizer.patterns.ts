import * as tokenizers from '@huggingface/tokenizers';

/**
 * The package exports its pre-tokenizers at run time, but its type declarations re-export them
 * through extensionless paths that NodeNext resolution does not follow, so they are typed here.
 */
const { SplitPreTokenizer } = tokenizers as unknown as {
  SplitPreTokenizer: new (config: ReturnType<typeof splitPreTokenizerConfig>) => { pattern: RegExp | null; pre_tokenize_text(text: string): string[] };
};

/**
 * The pre-tokenizer regexes of byte-level BPE, in the Oniguruma syntax tokenizer.json stores
 * (the Rust tokenizers library compiles them as written). Text is split into these pieces before
 * BPE, so no merge ever crosses a word, number or whitespace boundary.
 */
export const PRE_TOKENIZER_PATTERNS = {
  /** GPT-2: English contractions, letters, digits, other symbols, each with at most one leading space. */
  gpt2: "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
  /**
   * Llama 3 (tiktoken's cl100k): case-insensitive contractions, a letter run with one leading
   * non-letter, digits in groups of at most three, newlines kept apart from other whitespace.
   */
  llama3:
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
} as const;

export type PreTokenizerName = keyof typeof PRE_TOKENIZER_PATTERNS;

export const PRE_TOKENIZER_NAMES = Object.keys(PRE_TOKENIZER_PATTERNS) as PreTokenizerName[];

export const isPreTokenizerName = (name: string): name is PreTokenizerName => Object.hasOwn(PRE_TOKENIZER_PATTERNS, name);

/** The `Split` step of tokenizer.json's pre-tokenizer: each match is a piece of its own. */
export const splitPreTokenizerConfig = (name: PreTokenizerName) => ({
  type: 'Split' as const,
  pattern: { Regex: PRE_TOKENIZER_PATTERNS[name] },
  behavior: 'Isolated' as const,
  invert: false,
});

/**
 * The pattern as a JavaScript RegExp, compiled by @huggingface/tokenizers itself: Oniguruma's `\s`
 * and `(?i:...)` differ from JavaScript's, and training must split text exactly as encoding will.
 */
export function compilePreTokenizer(name: PreTokenizerName): RegExp {
  const pattern = new SplitPreTokenizer(splitPreTokenizerConfig(name)).pattern;
  if (!(pattern instanceof RegExp) || !pattern.global) throw new Error(`@huggingface/tokenizers did not compile the ${name} pre-tokenizer pattern to a global RegExp`);
  return pattern;
}

/** How @huggingface/tokenizers itself splits `text` with the pattern: the reference the trainer must agree with. */
export const referencePreTokenize = (name: PreTokenizerName, text: string): string[] => new SplitPreTokenizer(splitPreTokenizerConfig(name)).pre_tokenize_text(text);
