import type { GenerateOptions } from '@tunekit/models';

export type GenerationFlags = Pick<GenerateOptions, 'maxNewTokens' | 'temperature' | 'topK' | 'topP' | 'minP' | 'seed' | 'doSample'>;
export type NumericFlag = 'max-new-tokens' | 'temperature' | 'top-k' | 'top-p' | 'min-p' | 'seed';

interface NumericRule {
  readonly option: Exclude<keyof GenerationFlags, 'doSample'>;
  readonly valid: (n: number) => boolean;
  readonly expected: string;
}

const integer = (min: number) => (n: number) => Number.isSafeInteger(n) && n >= min;

/** Each numeric flag: the option it sets and the values it accepts (checked here, so the message names the flag). */
const NUMERIC_FLAGS: Readonly<Record<NumericFlag, NumericRule>> = {
  'max-new-tokens': { option: 'maxNewTokens', valid: integer(1), expected: 'an integer ≥ 1' },
  temperature: { option: 'temperature', valid: (n) => n >= 0, expected: 'a number ≥ 0' },
  'top-k': { option: 'topK', valid: integer(0), expected: 'an integer ≥ 0' },
  'top-p': { option: 'topP', valid: (n) => n > 0 && n <= 1, expected: 'a number in (0, 1]' },
  'min-p': { option: 'minP', valid: (n) => n >= 0 && n <= 1, expected: 'a number in [0, 1]' },
  seed: { option: 'seed', valid: integer(0), expected: 'an integer ≥ 0' },
};

const SAMPLING_FLAGS: readonly NumericFlag[] = ['temperature', 'top-k', 'top-p', 'min-p'];

function parseNumber(flag: NumericFlag, text: string): number {
  const rule = NUMERIC_FLAGS[flag];
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || !rule.valid(n)) throw new Error(`--${flag} expects ${rule.expected}, got ${JSON.stringify(text)}`);
  return n;
}

/**
 * The generation options the flags set. Naming a sampling flag asks for sampling (temperature 0
 * asks for greedy); with none, generation_config.json decides, as in transformers.
 */
export function generationOptions(values: Partial<Record<NumericFlag, string>>): GenerationFlags {
  const options: GenerationFlags = {};
  for (const flag of Object.keys(NUMERIC_FLAGS) as NumericFlag[]) {
    const text = values[flag];
    if (text !== undefined) options[NUMERIC_FLAGS[flag].option] = parseNumber(flag, text);
  }
  if (SAMPLING_FLAGS.some((f) => values[f] !== undefined)) options.doSample = options.temperature !== 0;
  return options;
}

/** The flags as parseArgs options (each a string, checked by generationOptions so errors name the flag). */
export const GENERATION_FLAGS = Object.fromEntries(Object.keys(NUMERIC_FLAGS).map((f) => [f, { type: 'string' } as const])) as Record<NumericFlag, { type: 'string' }>;
