/**
 * `quantization:` — transformers' BitsAndBytesConfig by its own field names (`load_in_4bit`,
 * `bnb_4bit_quant_type`, `bnb_4bit_use_double_quant`, ...), the dict a QLoRA recipe passes to
 * `from_pretrained(..., quantization_config=...)`, so recipes from PEFT, Axolotl's
 * `bnb_config_kwargs` or the QLoRA paper carry over key for key. The qlora package's parser owns the
 * checks and transformers' defaults; its errors carry key paths, which point at the config's lines.
 */
import { type BnbConfig, parseBnbConfig } from '@tunekit/qlora';
import { ConfigError, describeValue, isMapping } from './config-error.js';
import { type SectionContext, delegate, withoutNulls } from './sections.js';

export const QUANTIZATION_SECTION = 'quantization';
const WHERE = 'quantization config';

export function parseQuantizationSection(raw: unknown, ctx: SectionContext): BnbConfig | null {
  if (raw === undefined || raw === null) return null;
  if (!isMapping(raw)) throw new ConfigError(ctx.locate, [QUANTIZATION_SECTION], `expected a mapping of BitsAndBytesConfig options, got ${describeValue(raw)}`);
  const given = withoutNulls(raw);
  // A complaint about one key carries its path and is pointed at that key's line; the rest are about the section.
  return delegate(QUANTIZATION_SECTION, given, null, () => parseBnbConfig(given, WHERE), ctx.locate);
}
