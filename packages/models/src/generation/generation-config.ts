import { clipDetail, showValue } from '@tunekit/core';
import type { RawConfig } from '../config/config-fields.js';
import type { ModelConfig } from '../config/model-config.js';

/** What a caller may set; anything left out comes from generation_config.json, then transformers' defaults. */
export interface GenerationOptions {
  /** Tokens to generate at most per row. */
  maxNewTokens?: number;
  /** false = greedy (argmax), as transformers' `do_sample`. */
  doSample?: boolean;
  /** Divides the logits before sampling; 0 means greedy whatever `doSample` says. */
  temperature?: number;
  /** Keep the k most likely tokens when sampling; 0 disables. */
  topK?: number;
  /** Nucleus sampling: keep the smallest set of most likely tokens whose probability reaches p; 1 disables. */
  topP?: number;
  /** > 1 discourages tokens already in the row (prompt included); 1 disables. */
  repetitionPenalty?: number;
  /** Min-p sampling: drop tokens less likely than this times the most likely one; 0 disables (transformers' None). */
  minP?: number;
  /** Ids that end a row (it keeps the id, as transformers does). */
  eosTokenIds?: readonly number[];
  /** Id fed to the left of short prompts and after a row has finished; never attended to. */
  padTokenId?: number;
  /** A row ends once its generated text contains one of these (needs a tokenizer). */
  stopStrings?: readonly string[];
  /** Seeds the sampler; the same seed and inputs give the same tokens. */
  seed?: number;
}

export type GenerationConfig = Readonly<Required<GenerationOptions>>;

/** Where defaults come from, in the order transformers consults them. */
export interface GenerationDefaults {
  /** generation_config.json as read, or null when the model has none. */
  readonly generationConfig: RawConfig | null;
  readonly modelConfig: ModelConfig;
  /** Tokenizer EOS ids, the last resort when neither JSON file names one. */
  readonly tokenizerEosIds?: Iterable<number>;
}

type Scalar = Exclude<keyof GenerationOptions, 'eosTokenIds' | 'padTokenId' | 'stopStrings' | 'seed' | 'maxNewTokens'>;

interface ScalarRule {
  readonly hfKey: string;
  /** transformers' GenerationConfig default. */
  readonly fallback: number | boolean;
  readonly valid: (v: unknown) => boolean;
  readonly expected: string;
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** One row per sampling option: its generation_config.json key, default and range. */
const SCALAR_RULES: Readonly<Record<Scalar, ScalarRule>> = {
  doSample: { hfKey: 'do_sample', fallback: false, valid: (v) => typeof v === 'boolean', expected: 'a boolean' },
  temperature: { hfKey: 'temperature', fallback: 1, valid: (v) => isNumber(v) && v >= 0, expected: 'a number ≥ 0' },
  topK: { hfKey: 'top_k', fallback: 50, valid: isCount, expected: 'an integer ≥ 0' },
  topP: { hfKey: 'top_p', fallback: 1, valid: (v) => isNumber(v) && v > 0 && v <= 1, expected: 'a number in (0, 1]' },
  repetitionPenalty: { hfKey: 'repetition_penalty', fallback: 1, valid: (v) => isNumber(v) && v > 0, expected: 'a number > 0' },
  minP: { hfKey: 'min_p', fallback: 0, valid: (v) => isNumber(v) && v >= 0 && v <= 1, expected: 'a number in [0, 1]' },
};

/** transformers' `max_length` default (20) read as a count of new tokens, since prompts vary in length. */
const DEFAULT_MAX_NEW_TOKENS = 20;

export class GenerationConfigError extends Error {
  constructor(source: string, key: string, detail: string) {
    super(`${source}: ${key} ${clipDetail(detail)}`);
    this.name = 'GenerationConfigError';
  }
}

function checked<T>(value: unknown, valid: (v: unknown) => boolean, source: string, key: string, expected: string): T {
  if (!valid(value)) throw new GenerationConfigError(source, key, `expected ${expected}, got ${showValue(value)}`);
  return value as T;
}

/** `eos_token_id` may be one id or a list (Llama 3, Qwen). */
function idList(value: unknown, source: string, key: string): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => checked<number>(v, isCount, source, key, 'a token id or a list of them'));
}

function maxNewTokensOf(options: GenerationOptions, gen: RawConfig, promptLength: number): number {
  const positive = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  if (options.maxNewTokens !== undefined) return checked(options.maxNewTokens, positive, 'options', 'maxNewTokens', 'an integer > 0');
  if (gen.max_new_tokens != null) return checked(gen.max_new_tokens, positive, 'generation_config.json', 'max_new_tokens', 'an integer > 0');
  if (gen.max_length == null) return DEFAULT_MAX_NEW_TOKENS;
  const maxLength = checked<number>(gen.max_length, positive, 'generation_config.json', 'max_length', 'an integer > 0');
  if (maxLength <= promptLength) {
    throw new GenerationConfigError('generation_config.json', 'max_length', `(${maxLength}) leaves no room after a ${promptLength}-token prompt; set maxNewTokens`);
  }
  return maxLength - promptLength;
}

/**
 * Explicit options over generation_config.json over config.json over transformers' defaults.
 * Temperature 0 turns sampling off, since dividing by it is undefined and every caller who writes
 * it means "greedy".
 */
export function resolveGenerationConfig(options: GenerationOptions, defaults: GenerationDefaults, promptLength: number): GenerationConfig {
  const gen = defaults.generationConfig ?? {};
  const scalar = <K extends Scalar>(key: K): Required<GenerationOptions>[K] => {
    const rule = SCALAR_RULES[key];
    if (options[key] !== undefined) return checked(options[key], rule.valid, 'options', key, rule.expected);
    const fromFile = gen[rule.hfKey];
    if (fromFile !== undefined && fromFile !== null) return checked(fromFile, rule.valid, 'generation_config.json', rule.hfKey, rule.expected);
    return rule.fallback as Required<GenerationOptions>[K];
  };
  const temperature = scalar('temperature');
  const eosTokenIds =
    options.eosTokenIds?.map((id) => checked<number>(id, isCount, 'options', 'eosTokenIds', 'token ids')) ??
    idList(gen.eos_token_id, 'generation_config.json', 'eos_token_id') ??
    idList(defaults.modelConfig.eosTokenId, 'config.json', 'eos_token_id') ??
    [...(defaults.tokenizerEosIds ?? [])];
  const padTokenId =
    options.padTokenId ?? idList(gen.pad_token_id, 'generation_config.json', 'pad_token_id')?.[0] ?? defaults.modelConfig.padTokenId ?? eosTokenIds[0] ?? 0;
  const stops = options.stopStrings ?? gen.stop_strings ?? [];
  return {
    maxNewTokens: maxNewTokensOf(options, gen, promptLength),
    doSample: temperature !== 0 && scalar('doSample'),
    temperature,
    topK: scalar('topK'),
    topP: scalar('topP'),
    repetitionPenalty: scalar('repetitionPenalty'),
    minP: scalar('minP'),
    eosTokenIds,
    padTokenId: checked(padTokenId, (v) => isCount(v) && v < defaults.modelConfig.vocab, 'options', 'padTokenId', `a token id below the vocab size ${defaults.modelConfig.vocab}`),
    stopStrings: checked(
      typeof stops === 'string' ? [stops] : stops,
      (v) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0),
      'options',
      'stopStrings',
      'non-empty strings',
    ),
    seed: options.seed === undefined ? crypto.getRandomValues(new Uint32Array(1))[0] : checked(options.seed, isCount, 'options', 'seed', 'an integer ≥ 0'),
  };
}
