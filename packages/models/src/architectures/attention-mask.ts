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
 * Keys within the window: the query in cache slot q sees the key in slot k when q - k < window,
 * as transformers' `sliding_window_causal_mask_function` (causality and padding are separate).
 * Without `cachePosition` the T queries fill slots S - T..S - 1 after the keys before them; a
 * decode step against a static cache passes the slots of its queries instead (keys in front are
 * slots 0, 1, ..., and the T new keys sit in the queries' slots), so one program serves every step.
 * The slots are `range` ops rather than constants, so a graph exported with symbolic lengths
 * computes them from its run-time past and total lengths.
 */
function slidingWindowMask(t: number, s: number, window: number, cachePosition?: Tensor): Tensor {
  const querySlots = cachePosition ?? Tensor.range(s - t, s);
  const keySlots = cachePosition ? Tensor.concat([Tensor.range(0, s - t), cachePosition], 0) : Tensor.range(0, s);
  return querySlots.reshape(t, 1).sub(keySlots.reshape(1, s)).lt(window).reshape(1, 1, t, s);
}

/** Virtual positions in front of a forward's own: n keys, and n queries too when `asQueries`. */
export interface VirtualSpan {
  readonly n: number;
  readonly asQueries: boolean;
}

export interface MaskInputs {
  readonly mask?: Tensor;
  /** Positions computed in this forward and keys in all (past + new), virtual ones included. */
  readonly t: number;
  readonly s: number;
  readonly virtual?: VirtualSpan;
  /** [T] i64 cache slots of the queries, where they are not S - T..S - 1 (see `slidingWindowMask`). */
  readonly cachePosition?: Tensor;
  /** The graph runs at other lengths than `t` and `s` (see `ForwardOptions.symbolicLengths`): every window is built. */
  readonly symbolicLengths?: boolean;
}

/** The mask of each window (null = none), built once per forward and shared by every layer with that window. */
export type MaskForWindow = (slidingWindow: number | null) => Tensor | null;

/**
 * The bool masks of one forward (true = may attend); a mask is null when causality alone decides.
 * Causality itself is applied by the attention op; these add padding, packing and sliding windows.
 * A window is only materialised when S exceeds it (shapes are static), or when the lengths are symbolic. `t` and `s` count every
 * position, virtual ones included; a user mask covers the others.
 */
export function attentionMasks(opts: MaskInputs): MaskForWindow {
  const v = opts.virtual;
  const user = !opts.mask ? null : v ? withVirtual(userMask(opts.mask, v.asQueries ? opts.t - v.n : opts.t, opts.s - v.n), v.n, v.asQueries) : userMask(opts.mask, opts.t, opts.s);
  const built = new Map<number | null, Tensor | null>();
  return (window) => {
    if (!built.has(window)) {
      const slide = window !== null && (opts.s > window || opts.symbolicLengths) ? slidingWindowMask(opts.t, opts.s, window, opts.cachePosition) : null;
      built.set(window, user && slide ? user.and(slide) : (user ?? slide));
    }
    return built.get(window)!;
  };
}
