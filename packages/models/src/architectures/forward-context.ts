import { ShapeError, Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import { attentionMask } from './attention-mask.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** What every layer of one forward shares, computed once. */
export interface ForwardContext {
  readonly batch: number;
  /** New positions in this call. */
  readonly t: number;
  /** Cached positions before them. */
  readonly pastLength: number;
  /** [B|1, T] positions. */
  readonly positionIds: Tensor;
  /** Bool [B|1, 1, T|1, S] or null (causality only). */
  readonly mask: Tensor | null;
  /** The cache entry of each layer, or undefined for all without a cache. */
  past(layer: number): KvEntry | undefined;
}

/** Positions P..P+T-1 as [1, T] i64 (transformers' default, from `cache_position`). */
function defaultPositionIds(t: number, pastLength: number): Tensor {
  return Tensor.fromValues([1, t], Array.from({ length: t }, (_, i) => pastLength + i), 'i64');
}

function checkPositionIds(positionIds: Tensor, b: number, t: number): Tensor {
  const ok = positionIds.rank === 2 && (positionIds.dim(0) === b || positionIds.dim(0) === 1) && positionIds.dim(1) === t;
  if (!ok) throw new ShapeError('position_ids', '', `expected [${b}, ${t}] or [1, ${t}], got ${fmt(positionIds.shape)}`);
  return positionIds;
}

function pastLengthOf(opts: ForwardOptions, config: ModelConfig): number {
  if (!opts.past) return 0;
  if (opts.past.length !== config.layers) {
    throw new ShapeError('past', '', `expected one cache entry per layer (${config.layers}), got ${opts.past.length}`);
  }
  return opts.past[0].k.dim(2);
}

export function forwardContext(inputIds: Tensor, opts: ForwardOptions, config: ModelConfig): ForwardContext {
  if (inputIds.rank !== 2) throw new ShapeError('input_ids', '', `expected [B, T], got ${fmt(inputIds.shape)}`);
  const [batch, t] = inputIds.shape;
  const pastLength = pastLengthOf(opts, config);
  return {
    batch,
    t,
    pastLength,
    positionIds: opts.positionIds ? checkPositionIds(opts.positionIds, batch, t) : defaultPositionIds(t, pastLength),
    mask: attentionMask({ mask: opts.attentionMask, t, s: pastLength + t, slidingWindow: config.slidingWindow }),
    past: (layer) => opts.past?.[layer],
  };
}
