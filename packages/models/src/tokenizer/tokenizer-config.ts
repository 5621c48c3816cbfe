import { showValue } from '@tunekit/core';
import { TokenizerLoadError } from './tokenizer.errors.js';

/** The parts of `tokenizer_config.json` that transformers acts on and tokenizer.json does not carry. */
export interface TokenizerConfig {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  /** Present only where the file says so (Llama-style); absent means "leave tokenizer.json's post-processor alone". */
  addBosToken?: boolean;
  addEosToken?: boolean;
  modelMaxLength?: number;
  /** Named templates; a single-string `chat_template` is stored under `default`, as transformers treats it. */
  chatTemplates: ReadonlyMap<string, string>;
  /** The whole JSON object, which @huggingface/tokenizers reads for its own options. */
  raw: Readonly<Record<string, unknown>>;
}

type SpecialTokenField = 'bos_token' | 'eos_token' | 'pad_token' | 'unk_token';
const SPECIAL_TOKEN_FIELDS: Readonly<Record<SpecialTokenField, 'bosToken' | 'eosToken' | 'padToken' | 'unkToken'>> = {
  bos_token: 'bosToken',
  eos_token: 'eosToken',
  pad_token: 'padToken',
  unk_token: 'unkToken',
};

/**
 * transformers writes `int(1e30)` (VERY_LARGE_INTEGER) when a tokenizer has no length limit; any
 * value this large means "unlimited", not a real context length.
 */
const UNLIMITED_LENGTH = 1e18;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A special token is a plain string or a serialized AddedToken (`{"content": ..., "lstrip": ...}`). */
function specialToken(value: unknown, file: string, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (isRecord(value) && typeof value.content === 'string') return value.content;
  throw new TokenizerLoadError(file, `${field} must be a string or an object with a string "content", got ${showValue(value)}`);
}

function optionalBoolean(json: Record<string, unknown>, field: string, file: string): boolean | undefined {
  const value = json[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new TokenizerLoadError(file, `${field} must be true or false, got ${showValue(value)}`);
  return value;
}

function modelMaxLength(value: unknown, file: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TokenizerLoadError(file, `model_max_length must be a positive number, got ${showValue(value)}`);
  }
  return value >= UNLIMITED_LENGTH ? undefined : value;
}

/** `chat_template` is a string, or (transformers ≥ 4.43) a list of `{name, template}`. */
export function parseChatTemplates(value: unknown, file: string): Map<string, string> {
  if (value === undefined || value === null) return new Map();
  if (typeof value === 'string') return new Map([['default', value]]);
  if (!Array.isArray(value)) {
    throw new TokenizerLoadError(file, `chat_template must be a string or a list of {name, template}, got ${typeof value}`);
  }
  const templates = new Map<string, string>();
  value.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || typeof entry.template !== 'string') {
      throw new TokenizerLoadError(file, `chat_template[${i}] must be {"name": string, "template": string}`);
    }
    if (templates.has(entry.name)) throw new TokenizerLoadError(file, `chat_template[${i}]: duplicate name ${showValue(entry.name)}`);
    templates.set(entry.name, entry.template);
  });
  return templates;
}

export function parseTokenizerConfig(json: unknown, file: string): TokenizerConfig {
  if (!isRecord(json)) throw new TokenizerLoadError(file, 'must hold a JSON object');
  const config: TokenizerConfig = {
    addBosToken: optionalBoolean(json, 'add_bos_token', file),
    addEosToken: optionalBoolean(json, 'add_eos_token', file),
    modelMaxLength: modelMaxLength(json.model_max_length, file),
    chatTemplates: parseChatTemplates(json.chat_template, file),
    raw: json,
  };
  for (const [field, key] of Object.entries(SPECIAL_TOKEN_FIELDS)) {
    config[key] = specialToken(json[field], file, field);
  }
  return config;
}
