/**
 * A small byte-level BPE tokenizer in the `tokenizer.json` format (GPT-2's byte-to-unicode
 * alphabet, a handful of merges, ChatML special tokens), so tiny checkpoints are complete
 * Hugging Face folders that tokenizer and chat-template code can load.
 */

export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;
export const BOS_TOKEN_ID = 0;
export const EOS_TOKEN_ID = 2;

/** ChatML, as SmolLM2-Instruct and Qwen2.5 use it (without their default system prompts). */
export const CHAT_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const MERGES: readonly [string, string][] = [
  ['Ġ', 't'], ['h', 'e'], ['i', 'n'], ['Ġ', 'a'], ['e', 'r'], ['o', 'n'], ['Ġt', 'he'], ['r', 'e'], ['Ġ', 's'], ['a', 't'],
];

/** GPT-2's `bytes_to_unicode`: printable bytes map to themselves, the rest to U+0100 onwards. */
function byteAlphabet(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) if (printable(b)) out.push(String.fromCodePoint(b));
  for (let b = 0; b < 256; b++) if (!printable(b)) out.push(String.fromCodePoint(256 + extra++));
  return out;
}

function vocabulary(): Record<string, number> {
  const tokens = [...SPECIAL_TOKENS, ...byteAlphabet(), ...MERGES.map(([a, b]) => a + b)];
  return Object.fromEntries(tokens.map((t, i) => [t, i]));
}

/** Number of tokens; a model using this tokenizer needs at least this vocab size. */
export const TINY_TOKENIZER_SIZE = SPECIAL_TOKENS.length + 256 + MERGES.length;

const addedToken = (content: string, id: number) => ({
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

export function tinyTokenizerJson(): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((t, i) => addedToken(t, i)),
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
      vocab: vocabulary(),
      merges: MERGES,
    },
  };
}

export function tinyTokenizerConfig(modelMaxLength: number): Record<string, unknown> {
  const { content: _ignored, id: _id, ...flags } = addedToken('', 0);
  return {
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(SPECIAL_TOKENS.map((t, i) => [String(i), { content: t, ...flags }])),
    bos_token: SPECIAL_TOKENS[BOS_TOKEN_ID],
    chat_template: CHAT_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: SPECIAL_TOKENS[EOS_TOKEN_ID],
    model_max_length: modelMaxLength,
    pad_token: SPECIAL_TOKENS[BOS_TOKEN_ID],
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: null,
  };
}
