import type { LinearQuantization, Parameter } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

/**
 * How a rollout may round the frozen weights it samples with: int8 in blocks of 128 (llama.cpp's
 * Q8_0 grain is 32; 128 measured faster on MLAS at no visible cost in the sampler's log-probs),
 * or int4 in blocks of 32 (Q4_0's), with activations rounded to int8 per block either way, as
 * int8 kernels multiply.
 */
export const ROLLOUT_QUANTIZATION: Readonly<Record<'int8' | 'int4', LinearQuantization>> = {
  int8: { bits: 8, blocksize: 128, activationBits: 8 },
  int4: { bits: 4, blocksize: 32, activationBits: 8 },
};
export const ROLLOUT_QUANTIZATIONS = Object.keys(ROLLOUT_QUANTIZATION) as (keyof typeof ROLLOUT_QUANTIZATION)[];
export type RolloutQuantization = (typeof ROLLOUT_QUANTIZATIONS)[number];

/**
 * The weights a quantized rollout rounds: the frozen 2-D f32 ones (a LoRA-family adapter's base
 * projections, and the embedding the head is tied to), which stay the same from one rollout to the
 * next, so they are rounded and packed once. Trainable weights (the adapter) stay exact. A model
 * with none (full fine-tuning, a 4-bit QLoRA base) is refused: there would be nothing to round.
 */
export function frozenLinearWeights(model: CausalLM): Parameter[] {
  const frozen = model.parameters().filter((p) => !p.requiresGrad && p.dtype === 'f32' && p.shape.length === 2);
  if (!frozen.length) {
    throw new Error('rollout_quantization rounds the frozen f32 weights of a LoRA-family adapter\'s base; this model has none (full fine-tuning trains every weight, a QLoRA base is 4-bit already)');
  }
  return frozen;
}
