/**
 * `--quantize nf4|fp4|int8 [--double-quant]`: a bitsandbytes format named in one flag, for commands
 * that load a base (generate, eval: quantize it while loading, as the QLoRA run that trained the
 * adapter did) or write one (merge: re-quantize the merged weights).
 */
import { type BnbConfig, parseBnbConfig } from '@tunekit/qlora';
import { UsageError } from '../cli-error.js';

export const QUANTIZE_FLAGS = {
  quantize: { type: 'string' },
  'double-quant': { type: 'boolean' },
} as const;

/** Each `--quantize` value as BitsAndBytesConfig fields. */
const FORMATS: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  nf4: { load_in_4bit: true, bnb_4bit_quant_type: 'nf4' },
  fp4: { load_in_4bit: true, bnb_4bit_quant_type: 'fp4' },
  int8: { load_in_8bit: true },
};

/** The flags' help lines, the description starting at column `width` + 2 like the command's own lines. */
export function quantizeUsage(width: number, what: string): string[] {
  return [
    `  ${'--quantize F'.padEnd(width)}nf4 | fp4 (4-bit, bitsandbytes) | int8 (LLM.int8): ${what}`,
    `  ${'--double-quant'.padEnd(width)}With nf4/fp4: quantize the block scales too (QLoRA's double quantization)`,
  ];
}

/** The format the flags ask for, or null without `--quantize`. */
export function quantizeFlags(values: { quantize?: string; 'double-quant'?: boolean }): BnbConfig | null {
  const doubleQuant = values['double-quant'] ?? false;
  if (values.quantize === undefined) {
    if (doubleQuant) throw new UsageError('--double-quant needs --quantize nf4 or --quantize fp4');
    return null;
  }
  const format = FORMATS[values.quantize];
  if (!format) throw new UsageError(`--quantize must be one of ${Object.keys(FORMATS).join(', ')}, got ${JSON.stringify(values.quantize)}`);
  if (doubleQuant && !format.load_in_4bit) throw new UsageError(`--double-quant applies to 4-bit formats (nf4, fp4), not ${values.quantize}`);
  return parseBnbConfig({ ...format, bnb_4bit_use_double_quant: doubleQuant });
}
