import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CausalLM, RawConfig } from '@tunekit/models';
import { type BnbConfig, saveInt8Model, saveQuantizedModel } from '@tunekit/qlora';

export interface QuantizedCheckpointOptions {
  /** 4-bit block size when the model's Linears are quantized here (default 64). */
  blocksize?: number;
  generationConfig?: RawConfig | null;
}

/** The bitsandbytes writer of each mode: it quantizes the model's plain Linears, or keeps the quantized layers it already has. */
const WRITERS: Record<'4bit' | '8bit', (model: CausalLM, dir: string, c: BnbConfig, blocksize?: number) => Promise<void>> = {
  '4bit': (model, dir, c, blocksize) =>
    saveQuantizedModel(model, dir, {
      quantType: c.bnb_4bit_quant_type,
      doubleQuant: c.bnb_4bit_use_double_quant,
      blocksize,
      skipModules: c.llm_int8_skip_modules ?? undefined,
    }),
  '8bit': (model, dir, c) => saveInt8Model(model, dir, { skipModules: c.llm_int8_skip_modules, threshold: c.llm_int8_threshold }),
};

/**
 * Writes a checkpoint transformers loads with its bitsandbytes `quantization_config`: config.json,
 * model.safetensors and, when the model has one, generation_config.json.
 */
export async function saveQuantizedCheckpoint(model: CausalLM, dir: string, config: BnbConfig, opts: QuantizedCheckpointOptions = {}): Promise<void> {
  await WRITERS[config.load_in_4bit ? '4bit' : '8bit'](model, dir, config, opts.blocksize);
  if (opts.generationConfig) await writeFile(join(dir, 'generation_config.json'), `${JSON.stringify(opts.generationConfig, null, 2)}\n`);
}
