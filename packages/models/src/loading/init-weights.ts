import { type FloatDType, HostTensor, Rng, init } from '@tunekit/core';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import { type TensorSpec, checkpointLayout } from '../architectures/checkpoint-layout.js';

/** transformers' initialisation of one tensor, drawn from the seeded stream. */
export function initialTensor(spec: TensorSpec, rng: Rng, dtype: FloatDType): HostTensor {
  const { shape, init: how } = spec;
  if (how.kind !== 'normal') return init.fill(shape, how.kind === 'ones' ? 1 : 0, dtype);
  const t = init.normal(shape, how.std, rng, dtype);
  // All-zero bits are +0 in every float dtype, so the row can be cleared in storage.
  if (how.zeroRow !== undefined) (t.data as Float32Array | Uint16Array).fill(0, how.zeroRow * shape[1], (how.zeroRow + 1) * shape[1]);
  return t;
}

/**
 * Gives every weight of a freshly built model transformers' initial values (`from_config`: normal
 * with `initializer_range` for projections and embeddings, ones for norms, zeros for biases), from
 * one seeded stream in checkpoint order — what pretraining from scratch starts from.
 */
export function initializeWeights(model: CausalLM, opts: { seed: number; dtype?: FloatDType }): void {
  const raw = model.config.raw as Record<string, unknown>;
  const std = typeof raw.initializer_range === 'number' ? raw.initializer_range : 0.02;
  const params = new Map(model.namedParameters());
  const rng = new Rng(opts.seed);
  for (const spec of checkpointLayout(model.config, std)) {
    const p = params.get(spec.name);
    if (!p) throw new Error(`initializeWeights: the model has no parameter "${spec.name}"`);
    p.assign(initialTensor(spec, rng, opts.dtype ?? (p.dtype as FloatDType)));
  }
}
