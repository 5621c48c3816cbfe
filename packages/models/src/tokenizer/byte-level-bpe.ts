/**
 * The pieces of a byte-level BPE `tokenizer.json` (GPT-2's design, also Llama 3's and Qwen's):
 * bytes shown as printable characters, the ByteLevel pre-tokenizer/decoder, merges over them.
 * Tiny test checkpoints and TuneKit's own trained tokenizers write their files through this.
 */

const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);

/** GPT-2's `bytes_to_unicode`, indexed by byte: printable bytes stand for themselves, the rest for U+0100 onwards. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const chars = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) chars[b] = printable(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  return chars;
})();

/** ChatML: each message between `<|im_start|>role\n` and `<|im_end|>\n`; a generation prompt opens an assistant turn. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/** An `added_tokens` entry for a special token, with transformers' flags. */
export const specialAddedToken = (content: string, id: number) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

const byteLevel = (addPrefixSpace: boolean, trimOffsets: boolean) => ({
  type: 'ByteLevel',
  add_prefix_space: addPrefixSpace,
  trim_offsets: trimOffsets,
  use_regex: true,
});

/**
 * A complete tokenizer.json for a byte-level BPE model. `tokens` lists the vocabulary in id order
 * (special tokens first, then the byte characters, then one token per merge, as trainers write it).
 */
export function byteLevelBpeTokenizerJson(opts: {
  specialTokens: readonly string[];
  tokens: readonly string[];
  merges: readonly (readonly [string, string])[];
}): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: opts.specialTokens.map((t) => specialAddedToken(t, opts.tokens.indexOf(t))),
    normalizer: null,
    pre_tokenizer: byteLevel(false, true),
    post_processor: byteLevel(true, false),
    decoder: byteLevel(true, true),
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(opts.tokens.map((t, i) => [t, i])),
      merges: opts.merges,
    },
  };
}
