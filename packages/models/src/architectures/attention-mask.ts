import { HostTensor, ShapeError, Tensor } from '@tunekit/core';

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** A user mask as bool [B|1, 1, T|1, S]. */
function userMask(mask: Tensor, t: number, s: number): Tensor {
  const m = mask.dtype === 'bool' ? mask : mask.ne(0);
  const fits = (m.rank === 2 && m.dim(1) === s) || (m.rank === 4 && m.dim(1) === 1 && m.dim(-2) === t && m.dim(-1) === s);
  if (!fits) {
    throw new ShapeError('attention_mask', '', `expected [B, ${s}] or [B, 1, ${t}, ${s}] (S = past + new positions), got ${fmt(mask.shape)}`);
  }
  return m.rank === 2 ? m.reshape(m.dim(0), 1, 1, s) : m;
}

const ones = (shape: number[]): Tensor => Tensor.constant(new HostTensor('bool', shape, new Uint8Array(shape.reduce((a, b) => a * b, 1)).fill(1)));

/**
 * A user mask extended over n virtual positions in front: their keys are visible to every query,
 * and where they are queries too (prompt embeddings) their rows come first; causality still keeps
 * each from seeing later positions.
 */
function withVirtual(m: Tensor, n: number, asQueries: boolean): Tensor {
  const [b, , rows, s] = m.shape;
  const keys = Tensor.concat([ones([b, 1, rows, n]), m], 3);
  return asQueries && rows > 1 ? Tensor.concat([ones([b, 1, n, n + s]), keys], 2) : keys;
}

/**
 * Keys within the window: query i (absolute index P + i, P = S - T) sees key j when
 * (P + i) - j < window, as transformers' `sliding_window_causal_mask_function`.
 */
function slidingWindowMask(t: number, s: number, window: number): Tensor {
  const data = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) for (let j = 0; j < s; j++) data[i * s + j] = s - t + i - j < window ? 1 : 0;
  return Tensor.constant(new HostTensor('bool', [1, 1, t, s], data));
}

/** Virtual positions in front of a forward's own: n keys, and n queries too when `asQueries`. */
export interface VirtualSpan {
  readonly n: number;
  readonly asQueries: boolean;
}

/**
 * The bool mask every layer shares for one forward (true = may attend), or null when causality
 * alone decides. Causality itself is applied by the attention op; this adds padding, packing and
 * the sliding window. A window is only materialised when S exceeds it, since shapes are static.
 * `t` and `s` count every position, virtual ones included; a user mask covers the others.
 */
export function attentionMask(opts: { mask?: Tensor; t: number; s: number; slidingWindow: number | null; virtual?: VirtualSpan }): Tensor | null {
  const parts: Tensor[] = [];
  const v = opts.virtual;
  if (opts.mask && v) parts.push(withVirtual(userMask(opts.mask, v.asQueries ? opts.t - v.n : opts.t, opts.s - v.n), v.n, v.asQueries));
  else if (opts.mask) parts.push(userMask(opts.mask, opts.t, opts.s));
  if (opts.slidingWindow !== null && opts.s > opts.slidingWindow) parts.push(slidingWindowMask(opts.t, opts.s, opts.slidingWindow));
  return parts.length ? parts.reduce((a, b) => a.and(b)) : null;
}
