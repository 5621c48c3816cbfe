/**
 * llama.cpp's `tokenizer.ggml.pre` names, keyed by what tokenizer.json's pre_tokenizer does. llama.cpp
 * hard-codes each name's split regex, so only pre-tokenizers it knows can be exported faithfully.
 */

const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** A pre-tokenizer reduced to what decides the split: each step's type and its pattern or flags. */
export function preTokenizerSignature(pre: unknown): string {
  const steps = (p: Record<string, unknown>): Record<string, unknown>[] =>
    p.type === 'Sequence' ? (p.pretokenizers as Record<string, unknown>[]).flatMap(steps) : [p];
  if (pre === null || pre === undefined) return 'none';
  return steps(pre as Record<string, unknown>)
    .map((s) => {
      switch (s.type) {
        case 'ByteLevel':
          return `ByteLevel(regex=${s.use_regex !== false},prefix=${s.add_prefix_space === true})`;
        case 'Split':
          return `Split(${(s.pattern as { Regex?: string; String?: string }).Regex ?? (s.pattern as { String?: string }).String},${String(s.behavior)},invert=${s.invert === true})`;
        case 'Digits':
          return `Digits(individual=${s.individual_digits === true})`;
        default:
          return String(s.type);
      }
    })
    .join(' + ');
}

/** Signature → llama.cpp pre name (llama-vocab.cpp's LLAMA_VOCAB_PRE_TYPE_* and convert_hf_to_gguf's get_vocab_base_pre). */
export const PRE_TOKENIZERS: Readonly<Record<string, string>> = {
  'ByteLevel(regex=true,prefix=false)': 'gpt-2',
  [`Split(${LLAMA3_REGEX},Isolated,invert=false) + ByteLevel(regex=false,prefix=false)`]: 'llama-bpe',
  [`Split(${QWEN2_REGEX},Isolated,invert=false) + ByteLevel(regex=false,prefix=false)`]: 'qwen2',
  'Digits(individual=true) + ByteLevel(regex=true,prefix=false)': 'smollm',
};
