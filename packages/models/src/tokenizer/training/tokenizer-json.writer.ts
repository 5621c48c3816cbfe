import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { specialAddedToken } from '../byte-level-bpe.js';
import type { BpeModel } from './bpe.trainer.js';
import { type PreTokenizerName, splitPreTokenizerConfig } from './pre-tokenizer.patterns.js';
import { CHAT_TEMPLATE_PRESETS, type ChatTemplateName, tokenRoles } from './special-tokens.js';

/** What the two files are written from: the model and the choices it was trained with. */
export interface TokenizerFilesSpec {
  readonly model: BpeModel;
  /** The first entries of `model.tokens`, in id order. */
  readonly specialTokens: readonly string[];
  readonly preTokenizer: PreTokenizerName;
  readonly chatTemplate?: ChatTemplateName;
  /** Leave out for "no limit", as transformers does for a tokenizer trained without a model. */
  readonly modelMaxLength?: number;
}

/**
 * Byte-level steps with nothing else to do: the regex split comes before (use_regex false), and
 * no prefix space is added or offsets trimmed, so decode(encode(text)) gives back the text.
 */
const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false } as const;

/**
 * tokenizer.json in the layout of Llama 3 and Qwen 2: no normalizer (normalizing would lose the
 * input's exact bytes), a Split by the pre-tokenizer regex then ByteLevel, and a BPE model whose
 * vocabulary covers all 256 bytes, so any text encodes without an unknown token.
 */
export function tokenizerJsonOf(spec: TokenizerFilesSpec): Record<string, unknown> {
  const { model, specialTokens } = spec;
  specialTokens.forEach((t, i) => {
    if (model.tokens[i] !== t) throw new Error(`special token ${JSON.stringify(t)} must have id ${i} in the trained vocabulary`);
  });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens.map((t, i) => specialAddedToken(t, i)),
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [splitPreTokenizerConfig(spec.preTokenizer), byteLevel] },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      // byte_fallback means SentencePiece's <0xNN> tokens; byte-level BPE needs none, every byte is a token.
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(model.tokens.map((t, i) => [t, i])),
      merges: model.merges,
    },
  };
}

/** tokenizer_config.json: what transformers reads besides tokenizer.json (special-token roles, chat template). */
export function tokenizerConfigOf(spec: TokenizerFilesSpec): Record<string, unknown> {
  const { content: _content, id: _id, ...flags } = specialAddedToken('', 0);
  const roles = tokenRoles(spec.specialTokens, spec.chatTemplate);
  const withRole = new Set([roles.bosToken, roles.eosToken, roles.padToken]);
  return {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: Object.fromEntries(spec.specialTokens.map((t, i) => [String(i), { content: t, ...flags }])),
    additional_special_tokens: spec.specialTokens.filter((t) => !withRole.has(t)),
    bos_token: roles.bosToken ?? null,
    eos_token: roles.eosToken ?? null,
    pad_token: roles.padToken ?? null,
    unk_token: null,
    ...(spec.chatTemplate ? { chat_template: CHAT_TEMPLATE_PRESETS[spec.chatTemplate].template } : {}),
    // Cleaning up would turn "a , b" into "a, b" on decode: not the text that was encoded.
    clean_up_tokenization_spaces: false,
    ...(spec.modelMaxLength === undefined ? {} : { model_max_length: spec.modelMaxLength }),
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (which must exist). */
export async function writeTokenizerFiles(dir: string, spec: TokenizerFilesSpec): Promise<void> {
  await writeFile(join(dir, 'tokenizer.json'), `${JSON.stringify(tokenizerJsonOf(spec), null, 2)}\n`);
  await writeFile(join(dir, 'tokenizer_config.json'), `${JSON.stringify(tokenizerConfigOf(spec), null, 2)}\n`);
}
