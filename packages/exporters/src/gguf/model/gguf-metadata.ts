import type { HfTokenizer, ModelConfig } from '@tunekit/models';
import { GGML_QUANT_VERSION } from '../format/gguf.constants.js';
import { type GgufValue, str, u32 } from '../format/gguf-value.js';
import { vocabMetadata } from '../tokenizer/gguf-vocab.js';
import { ggufArchOf } from './gguf-tensors.js';
import { GGUF_PRESETS, type GgufPreset } from './quant-presets.js';

/**
 * What llama.cpp cannot run as TuneKit does, refused with the field's name; returns the
 * differences that only matter in some cases (past some length), as warnings.
 */
export const checkGgufSupport = (config: ModelConfig): string[] => ggufArchOf(config).check(config);

/** `general.*`, `<arch>.*` and `tokenizer.*` keys, as convert_hf_to_gguf and llama-quantize write them. */
export async function modelMetadata(config: ModelConfig, tokenizer: HfTokenizer, tokenizerDir: string, preset: GgufPreset, name: string): Promise<Map<string, GgufValue>> {
  const arch = ggufArchOf(config);
  const meta = new Map<string, GgufValue>([
    ['general.architecture', str(arch.arch)],
    ['general.type', str('model')],
    ['general.name', str(name)],
    ['general.file_type', u32(GGUF_PRESETS[preset].fileType)],
    ['general.quantization_version', u32(GGML_QUANT_VERSION)],
  ]);
  for (const [key, value] of arch.hparams(config)) meta.set(`${arch.arch}.${key}`, value);
  for (const [key, value] of await vocabMetadata(tokenizerDir, tokenizer, config.vocab)) meta.set(key, value);
  return meta;
}
