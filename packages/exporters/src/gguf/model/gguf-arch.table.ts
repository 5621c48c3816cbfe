import type { ModelConfig } from '@tunekit/models';
import { DECODER_ARCHS } from './decoder-archs.js';
import type { GgufArch } from './gguf-arch.types.js';
import { GPT2_ARCH, GPT_NEOX_ARCH } from './gpt-archs.js';

export type { GgufArch, TensorMapping } from './gguf-arch.types.js';

/** The model types GGUF export maps, by Hugging Face `model_type`. */
export const GGUF_ARCHS: Readonly<Partial<Record<ModelConfig['modelType'], GgufArch>>> = {
  ...DECODER_ARCHS,
  gpt2: GPT2_ARCH,
  gpt_neox: GPT_NEOX_ARCH,
};
