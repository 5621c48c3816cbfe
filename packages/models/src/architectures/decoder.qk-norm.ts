import { type FloatDType, RMSNorm } from '@tunekit/core';
import type { ModelConfig, QkNorm } from '../config/model-config.js';

export interface QkNorms {
  readonly q: RMSNorm | null;
  readonly k: RMSNorm | null;
  /** True: each head is normalised over head_dim; false: the whole projection, before the head split. */
  readonly overHeads: boolean;
}

/** The width each q/k norm placement normalises over, for queries and for keys. */
const WIDTHS: Record<Exclude<QkNorm, 'none'>, (c: ModelConfig) => [number, number]> = {
  // Qwen3: one weight of head_dim shared by all heads.
  head: (c) => [c.headDim, c.headDim],
  // OLMo 2: q_norm over heads·head_dim, k_norm over kv_heads·head_dim.
  projection: (c) => [c.heads * c.headDim, c.kvHeads * c.headDim],
};

export function createQkNorms(config: ModelConfig, dtype: FloatDType): QkNorms {
  if (config.qkNorm === 'none') return { q: null, k: null, overHeads: false };
  const [q, k] = WIDTHS[config.qkNorm](config);
  const norm = (width: number) => new RMSNorm(width, config.norm.eps, dtype, config.norm.weightOffset);
  return { q: norm(q), k: norm(k), overHeads: config.qkNorm === 'head' };
}

/** The q/k norm weights' shapes, for checkpoint layouts. */
export function qkNormWidths(config: ModelConfig): [number, number] | null {
  return config.qkNorm === 'none' ? null : WIDTHS[config.qkNorm](config);
}
