import { HostTensor } from '../host-tensor.js';
import { Tensor } from './tensor.js';
import type { CompositeOp, OpAttrs } from '../ir/ops.js';

/** Stands in for -inf in masked scores: finite in each dtype, so a fully masked row never produces NaN. */
export const maskedScore = (dtype: string): number => (dtype === 'f16' ? -65504 : -1e30);

type Decomposition<O extends CompositeOp> = (inputs: Tensor[], attrs: OpAttrs<O>) => Tensor;

/** `true` where query t may see key s when the last query sits at the last key. */
export function causalMask(t: number, s: number): Tensor {
  const data = new Uint8Array(t * s);
  for (let i = 0; i < t; i++) for (let j = 0; j <= i + s - t && j < s; j++) data[i * s + j] = 1;
  return Tensor.constant(new HostTensor('bool', [t, s], data));
}

export function rotateHalf(x: Tensor): Tensor {
  const half = x.dim(-1) / 2;
  const [x1, x2] = x.split([half, half], -1);
  return Tensor.concat([x2.neg(), x1], -1);
}

/** q·kᵀ·scale [B, Hq, T, S], soft-capped when the op says so, before any mask. */
export function attentionScores(q: Tensor, k: Tensor, attrs: OpAttrs<'attention'>): Tensor {
  const [b, hq, t, d] = q.shape;
  const [, hkv, s] = k.shape;
  const scores = q.reshape(b, hkv, hq / hkv, t, d).matmul(k.unsqueeze(2).mT).mul(attrs.scale).reshape(b, hq, t, s);
  return attrs.softcap === null ? scores : scores.div(attrs.softcap).tanh().mul(attrs.softcap);
}

/** softmax over the last axis of scores [B, Hq, T, S] under the causal and user masks. */
function maskedSoftmax(scores: Tensor, mask: Tensor | undefined, attrs: OpAttrs<'attention'>): Tensor {
  const [, , t, s] = scores.shape;
  let allowed: Tensor | null = attrs.causal ? causalMask(t, s) : null;
  if (mask) allowed = allowed ? allowed.and(mask) : mask;
  if (!allowed) return scores.softmax(-1);
  // A row with no visible key (a left pad's query, or more queries than keys) has every score at
  // the same masked value, so it attends uniformly to all S keys: what transformers' eager
  // attention gives, whose float mask adds the dtype's minimum and so swamps every score.
  return Tensor.where(allowed, scores, maskedScore(scores.dtype)).softmax(-1);
}

/** softmax(q·kᵀ·scale) under the causal and user masks, reshaped for grouped-query heads. */
export function attentionProbs(q: Tensor, k: Tensor, mask: Tensor | undefined, attrs: OpAttrs<'attention'>): Tensor {
  return maskedSoftmax(attentionScores(q, k, attrs), mask, attrs);
}

/**
 * attention(q, concat(keys, 2), concat(values, 2), mask) without concatenating the keys or values:
 * each part is scored apart, the softmax runs over all scores together, and each part's values
 * are weighted by its share of the probabilities. A decode step over a cache of S slots then reads
 * the cache once instead of first copying it into a fresh [cache ‖ new] tensor. The scores come
 * as keys · queryᵀ ([S, D] · [D, g·T] per key/value head, g query heads on it), so the large
 * operand is read in place once; q · keysᵀ would transpose every part's keys into a packed copy
 * first, once per query head. At T = 1 the values' product is one row per query head, which ORT
 * runs as a matrix-vector product over the values in place.
 */
export function attentionOverParts(q: Tensor, keys: readonly Tensor[], values: readonly Tensor[], mask: Tensor | undefined, attrs: OpAttrs<'attention'>): Tensor {
  const [b, hq, t, d] = q.shape;
  const hkv = keys[0].dim(1);
  const g = hq / hkv;
  const sizes = keys.map((k) => k.dim(2));
  const queries = q.reshape(b, hkv, g * t, d).mT;
  const capped = (x: Tensor) => (attrs.softcap === null ? x : x.div(attrs.softcap).tanh().mul(attrs.softcap));
  const scores = Tensor.concat(keys.map((k) => capped(k.matmul(queries).mul(attrs.scale).mT)), -1);
  const probs = maskedSoftmax(scores.reshape(b, hq, t, -1), mask, attrs).reshape(b, hkv, g, t, -1);
  const weighted = probs.split(sizes, -1).map((p, i) => p.matmul(values[i].unsqueeze(2)));
  return weighted.reduce((sum, x) => sum.add(x)).reshape(b, hq, t, d);
}

/**
 * The unscaled levels of a 4-bit weight, flat [nBlocks · blocksize] (zero-padded past N·K): one
 * gather through a [256, 2] table turns each byte into its two codes' levels, high nibble first.
 */
export function unpack4bitLevels(packed: Tensor, attrs: OpAttrs<'matmul_4bit'>): Tensor {
  const pairs = new Float32Array(512);
  for (let b = 0; b < 256; b++) {
    pairs[2 * b] = attrs.levels[b >> 4]!;
    pairs[2 * b + 1] = attrs.levels[b & 15]!;
  }
  const nBytes = packed.dim(0);
  const levels = Tensor.constant(HostTensor.f32([256, 2], pairs)).gather(0, packed.cast('i32')).reshape([2 * nBytes]);
  const padded = Math.ceil((attrs.n * attrs.k) / attrs.blocksize) * attrs.blocksize;
  return padded > 2 * nBytes ? levels.pad([[0, padded - 2 * nBytes]]) : padded < 2 * nBytes ? levels.slice(0, 0, padded) : levels;
}

/** W [N, K] of a 4-bit weight: levels times their block's absmax. */
export function dequantize4bit(packed: Tensor, absmax: Tensor, attrs: OpAttrs<'matmul_4bit'>): Tensor {
  const nBlocks = absmax.dim(0);
  const numel = attrs.n * attrs.k;
  const scaled = unpack4bitLevels(packed, attrs).reshape([nBlocks, attrs.blocksize]).mul(absmax.reshape([nBlocks, 1])).reshape([nBlocks * attrs.blocksize]);
  return (nBlocks * attrs.blocksize === numel ? scaled : scaled.slice(0, 0, numel)).reshape([attrs.n, attrs.k]);
}

/** Per-byte code values less the zero point 2^(bits−1): two per byte (low nibble first) at 4 bits, one at 8. */
function nbitsCodeTable(bits: 4 | 8): HostTensor {
  if (bits === 8) return HostTensor.f32([256, 1], Float32Array.from({ length: 256 }, (_, b) => b - 128));
  return HostTensor.f32([256, 2], Float32Array.from({ length: 512 }, (_, i) => (i % 2 ? (i >> 1) >> 4 : (i >> 1) & 15) - 8));
}

/** The codes of a `matmul_nbits` weight less their zero point, [N, blocks, blocksize] (padding past K included). */
export function nbitsCodes(packed: Tensor, attrs: OpAttrs<'matmul_nbits'>): Tensor {
  const [n, blocks] = packed.shape;
  const bytes = packed.reshape([packed.shape.reduce((a, b) => a * b, 1)]).cast('i32');
  return Tensor.constant(nbitsCodeTable(attrs.bits)).gather(0, bytes).reshape(n, blocks, attrs.blocksize);
}

/** W [N, K] of a `matmul_nbits` weight: each code less its zero point, times its block's scale. */
export function dequantizeNbits(packed: Tensor, scales: Tensor, attrs: OpAttrs<'matmul_nbits'>): Tensor {
  const [n, blocks] = packed.shape;
  const w = nbitsCodes(packed, attrs).mul(scales.reshape(n, blocks, 1)).reshape(n, blocks * attrs.blocksize);
  return blocks * attrs.blocksize === attrs.k ? w : w.slice(1, 0, attrs.k);
}

/** round(x) with ties to even, from truncation (a cast), so it holds at any precision an executor computes in. */
export function roundHalfEven(x: Tensor): Tensor {
  const trunc = (y: Tensor) => y.cast('i32').cast(x.dtype);
  const t = trunc(x);
  const away = x.sub(t).abs();
  const odd = t.sub(trunc(t.div(2)).mul(2)).ne(0);
  const up = away.gt(0.5).or(away.eq(0.5).and(odd));
  return t.add(Tensor.where(up, Tensor.where(x.lt(0), -1, 1), 0));
}

/**
 * `x` as an int8 kernel sees it: each block of `blocksize` along the last axis rounded to 8 bits on
 * its own scale (max |x| / 127); a block of zeros stays zero.
 */
export function roundActivationBlocks(x: Tensor, attrs: OpAttrs<'matmul_nbits'>): Tensor {
  const lead = x.shape.slice(0, -1);
  const blocks = Math.ceil(attrs.k / attrs.blocksize);
  const padded = blocks * attrs.blocksize;
  const flat = x.reshape(-1, attrs.k);
  const xb = (padded > attrs.k ? flat.pad([[0, 0], [0, padded - attrs.k]]) : flat).reshape(-1, blocks, attrs.blocksize);
  const scale = xb.abs().max(-1, true).div(127);
  // Multiplied by the reciprocal, as the kernels do; the floor keeps an all-zero block's path finite.
  const inverse = Tensor.where(scale.gt(0), Tensor.scalar(1, x.dtype).div(scale.maximum(1e-30)), 0);
  const rounded = roundHalfEven(xb.mul(inverse)).mul(scale).reshape(-1, padded);
  return (padded > attrs.k ? rounded.slice(1, 0, attrs.k) : rounded).reshape(...lead, attrs.k);
}

/** Each composite op written in primitives; the reference executor runs these. */
export const DECOMPOSITIONS: { [O in CompositeOp]: Decomposition<O> } = {
  rms_norm: ([x, w], { eps }) => x.mul(x.square().mean(-1, true).add(eps).rsqrt()).mul(w),

  layer_norm: ([x, w, b], { eps }) => {
    const xc = x.sub(x.mean(-1, true));
    return xc.mul(xc.square().mean(-1, true).add(eps).rsqrt()).mul(w).add(b);
  },

  rotary: ([x, cos, sin]) => x.mul(cos).add(rotateHalf(x).mul(sin)),

  attention: ([q, k, v, mask], attrs) => {
    const [b, hq, t, d] = q.shape;
    const [, hkv, s] = k.shape;
    const p = attentionProbs(q, k, mask, attrs).reshape(b, hkv, hq / hkv, t, s);
    return p.matmul(v.unsqueeze(2)).reshape(b, hq, t, d);
  },

  matmul_4bit: ([x, packed, absmax], attrs) => {
    const w = dequantize4bit(packed, absmax, attrs);
    return x.matmul(attrs.transB ? w.mT : w);
  },

  matmul_nbits: ([x, packed, scales], attrs) => {
    const a = attrs.activationBits === 8 ? roundActivationBlocks(x, attrs) : x;
    return a.matmul(dequantizeNbits(packed, scales, attrs).mT);
  },

  cross_entropy: ([logits, labels], { ignoreIndex, reduction }) => {
    const valid = labels.ne(ignoreIndex);
    const safe = Tensor.where(valid, labels, 0);
    const picked = logits.logSoftmax(-1).takeAlongAxis(safe.unsqueeze(1), 1).squeeze(1);
    const nll = Tensor.where(valid, picked.neg(), 0);
    if (reduction === 'none') return nll;
    if (reduction === 'sum') return nll.sum();
    return nll.sum().div(valid.cast(logits.dtype).sum().maximum(1));
  },
};

export function decompose<O extends CompositeOp>(op: O, inputs: Tensor[], attrs: OpAttrs<O>): Tensor {
  return (DECOMPOSITIONS[op] as Decomposition<O>)(inputs, attrs);
}
