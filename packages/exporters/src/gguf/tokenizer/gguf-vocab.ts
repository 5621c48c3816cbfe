import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { readJsonObject } from '@tunekit/core';
import { type HfTokenizer, parseTokenizerConfig } from '@tunekit/models';
import { TokenType } from '../format/gguf.constants.js';
import { type GgufValue, bool, i32s, str, strings, u32 } from '../format/gguf-value.js';
import { PRE_TOKENIZERS, preTokenizerSignature } from './pre-tokenizer.table.js';

interface AddedToken {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

/** The chat template a folder ships: chat_template.jinja, else tokenizer_config.json's (transformers' order). */
export async function readChatTemplate(dir: string): Promise<string | null> {
  try {
    return await readFile(join(dir, 'chat_template.jinja'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const file = join(dir, 'tokenizer_config.json');
  const raw = await readJsonObject(file, { optional: true });
  return raw ? (parseTokenizerConfig(raw, file).chatTemplates.get('default') ?? null) : null;
}

/**
 * `tokenizer.*` metadata for llama.cpp's BPE tokenizer (`tokenizer.ggml.model` gpt2), from the
 * folder's tokenizer.json, so that llama.cpp splits and merges text exactly as TuneKit does.
 * `vocab` is the model's embedding rows: ids the tokenizer lacks become unused `[PAD<id>]` tokens.
 */
export async function vocabMetadata(dir: string, tokenizer: HfTokenizer, vocab: number): Promise<[string, GgufValue][]> {
  const file = join(dir, 'tokenizer.json');
  const json = await readJsonObject(file);
  const model = json.model as { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[] };
  if (model.type !== 'BPE') throw new Error(`${file}: GGUF export writes byte-level BPE tokenizers; this one is ${JSON.stringify(model.type)}`);
  if (json.normalizer !== null && json.normalizer !== undefined && (json.normalizer as { type?: string }).type !== 'NFC') {
    throw new Error(`${file}: normalizer ${JSON.stringify((json.normalizer as { type?: string }).type)} has no llama.cpp equivalent`);
  }
  const signature = preTokenizerSignature(json.pre_tokenizer);
  const pre = PRE_TOKENIZERS[signature];
  if (!pre) throw new Error(`${file}: pre-tokenizer ${signature} is not one llama.cpp knows (known: ${Object.values(PRE_TOKENIZERS).join(', ')})`);

  const tokens = new Array<string | undefined>(vocab);
  const types = new Array<number>(vocab).fill(TokenType.NORMAL);
  for (const [token, id] of Object.entries(model.vocab ?? {})) {
    if (id >= vocab) throw new Error(`${file}: token ${JSON.stringify(token)} has id ${id}, beyond the model's ${vocab} embeddings`);
    tokens[id] = token;
  }
  for (const t of (json.added_tokens ?? []) as AddedToken[]) {
    if (t.id >= vocab) throw new Error(`${file}: added token ${JSON.stringify(t.content)} has id ${t.id}, beyond the model's ${vocab} embeddings`);
    tokens[t.id] = t.content;
    types[t.id] = t.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  for (let id = 0; id < vocab; id++) {
    if (tokens[id] === undefined) {
      tokens[id] = `[PAD${id}]`;
      types[id] = TokenType.UNUSED;
    }
  }
  const merges = (model.merges ?? []).map((m) => (typeof m === 'string' ? m : `${m[0]} ${m[1]}`));

  // Whether encoding adds bos/eos is read off the tokenizer itself (tokenizer_config flags or post-processor).
  const probe = tokenizer.encode('a', { addSpecialTokens: true });
  const bare = tokenizer.encode('a', { addSpecialTokens: false });
  const addBos = tokenizer.bosTokenId !== undefined && probe.length > bare.length && probe[0] === tokenizer.bosTokenId;
  const addEos = tokenizer.eosTokenId !== undefined && probe.length > bare.length && probe.at(-1) === tokenizer.eosTokenId;

  const meta: [string, GgufValue][] = [
    ['tokenizer.ggml.model', str('gpt2')],
    ['tokenizer.ggml.pre', str(pre)],
    ['tokenizer.ggml.tokens', strings(tokens as string[])],
    ['tokenizer.ggml.token_type', i32s(types)],
    ['tokenizer.ggml.merges', strings(merges)],
  ];
  const ids: [string, number | undefined][] = [
    ['bos_token_id', tokenizer.bosTokenId],
    ['eos_token_id', tokenizer.eosTokenId],
    ['unknown_token_id', tokenizer.unkTokenId],
    ['padding_token_id', tokenizer.padTokenId],
  ];
  for (const [key, id] of ids) if (id !== undefined) meta.push([`tokenizer.ggml.${key}`, u32(id)]);
  meta.push(['tokenizer.ggml.add_bos_token', bool(addBos)], ['tokenizer.ggml.add_eos_token', bool(addEos)]);
  const template = await readChatTemplate(dir);
  if (template !== null) meta.push(['tokenizer.chat_template', str(template)]);
  return meta;
}
