import type { DType } from '../dtype.js';
import type { HostTensor } from '../host-tensor.js';
import type { Parameter } from './parameter.js';

/**
 * The closed op set of the IR, grouped by kind. Every executor implements exactly these; every op
 * has a shape rule (`shape-rules.ts`) and a gradient rule (`../autodiff/rules.ts`), and both tables
 * are typed `Record<Op, ...>` so adding an op here fails to compile until it is handled everywhere.
 *
 * Semantics (all axes are normalised to non-negative integers at trace time):
 * - leaf: `input` is fed by name at run time; `param` is a bound Parameter (fed zero-copy from its
 *   host data); `const` embeds a small host tensor.
 * - unary/binary/where: elementwise with numpy broadcasting. Comparisons, `and`, `or`, `not` give bool.
 *   `gelu` has `approximate: 'none' | 'tanh'`; `erf` is the Gauss error function; `stop_gradient` is the identity whose gradient is zero (torch's detach); `cast` converts to `to` (float→int truncates toward 0).
 *   `pow` takes a float exponent tensor (usually a scalar const).
 * - reduce: over `axes` (empty = all axes) with `keepdim`.
 * - movement: `reshape` (row-major, no -1 left after tracing), `permute` (out.shape[i] = in.shape[perm[i]]),
 *   `slice` (per listed axis: start, end (exclusive), step > 0; clamped at trace time),
 *   `concat` (along axis), `expand` (broadcast to shape, same rank), `pad` (constant `value`,
 *   `pads[i] = [before, after]` per axis, non-negative), `split` (the `index`-th piece of `sizes` along axis).
 * - indexing: `gather(data, indices)` along axis: out.shape = data[:axis] + indices.shape + data[axis+1:];
 *   `take_along_axis(data, indices)`: indices has data's rank, out[i..] = data[.. indices[i..] ..] on axis;
 *   `scatter_add(base, indices, updates)`: out = base; out[.. indices[i..] ..] += updates[i..] on axis,
 *   indices and updates share a shape (torch.scatter_add). Negative or out-of-range indices are errors.
 *   `topk(x)`: the `k` largest entries along axis, in descending order (ties: lower index first, NaN
 *   counts as largest, as torch.topk); `index` 0 is the values (x's dtype), 1 their positions (i64).
 *   Like `split`, each output is its own node and executors compute both from one sort.
 *   `range`: start, start + 1, ..., end − 1 (i64 [end − start]), no inputs. Its bounds are size
 *   attributes like a reshape's shape, so a graph lowered with sizes that vary at run time (an
 *   export with symbolic past and total lengths) computes them from its inputs' shapes, where a
 *   constant would freeze the traced ones.
 * - matmul: batched with broadcasting over leading dims (numpy matmul), rank ≥ 2 both sides.
 * - normalize: `softmax`, `log_softmax` over one axis.
 * - composite (each with a decomposition in `decompositions.ts`):
 *   `rms_norm(x, w)`: x * rsqrt(mean(x², last axis) + eps) * w.
 *   `layer_norm(x, w, b)`: (x - mean) * rsqrt(var + eps) * w + b over the last axis (biased variance).
 *   `rotary(x, cos, sin)`: x * cos + rotate_half(x) * sin, rotate_half(x) = concat(-x[..., d/2:], x[..., :d/2]);
 *     x is [B, H, T, D], cos/sin broadcast against it (typically [B, 1, T, D]).
 *   `attention(q, k, v[, mask])`: q [B, Hq, T, D], k/v [B, Hkv, S, D] with Hq % Hkv == 0 (grouped-query:
 *     query head h reads kv head floor(h / (Hq/Hkv))); scores = q·kᵀ * scale, then, when `softcap` is set,
 *     tanh(scores / softcap) * softcap (Gemma 2's logit soft-capping, before any mask); when `causal`, query t
 *     sees keys s ≤ t + (S - T); optional bool mask broadcastable to [B, Hq, T, S] (true = may attend);
 *     softmax over keys; out [B, Hq, T, D]. A row with no visible key (a left pad's query) attends
 *     uniformly to all S keys, as transformers' eager attention does (its float mask adds the dtype's
 *     minimum to every score of the row, which swamps them all equally); its gradient is what torch's
 *     autograd gives there: the softmax backward at that uniform p reaches q and k, although the
 *     row's value does not depend on them.
 *   `cross_entropy(logits [N, C], labels [N] i64)`: -log_softmax(logits)[label], rows whose label equals
 *     `ignoreIndex` contribute 0; reduction 'mean' divides by the count of non-ignored rows (0 if none),
 *     'sum' adds, 'none' returns [N].
 *   `matmul_4bit(a, packed u8 [ceil(N·K/2)], absmax f32 [ceil(N·K/blocksize)])`: a matmul with a weight
 *     W [N, K] stored as 4-bit codes (bitsandbytes layout: row-major, two codes per byte, first in the
 *     high nibble; element i is `levels[code_i] · absmax[floor(i / blocksize)]`). `transB` true:
 *     a [..., K] → a·Wᵀ [..., N] (a Linear's forward); false: a [..., N] → a·W [..., K] (its input
 *     gradient). `quantType` names the code table when it is bitsandbytes' nf4 or fp4.
 *   `matmul_nbits(a [..., K], packed u8 [N, ceil(K/blocksize), blocksize·bits/8], scales f32 [N·ceil(K/blocksize)])`:
 *     a·Wᵀ [..., N] with W [N, K] stored as symmetric `bits`-bit codes in blocks of `blocksize` along K
 *     (onnxruntime's MatMulNBits layout, no zero points): W[n, k] = (code − 2^(bits−1)) · scales[n·blocks +
 *     floor(k / blocksize)]; 4-bit codes go two to a byte, the lower k in the low nibble; codes past K are
 *     padding. With `activationBits` 8, each block of `a` along K is first rounded to 8 bits on its own
 *     scale (max |a| / 127, half to even), as int8 kernels do; null multiplies `a` as it is.
 */
export const OP_GROUPS = {
  leaf: ['input', 'param', 'const'],
  unary: ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'gelu', 'silu', 'erf', 'sin', 'cos', 'not', 'cast', 'stop_gradient'],
  binary: ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or'],
  ternary: ['where'],
  reduce: ['sum', 'mean', 'max', 'logsumexp'],
  movement: ['reshape', 'permute', 'slice', 'concat', 'expand', 'pad', 'split'],
  indexing: ['gather', 'take_along_axis', 'scatter_add', 'topk', 'range'],
  matmul: ['matmul'],
  normalize: ['softmax', 'log_softmax'],
  composite: ['rms_norm', 'layer_norm', 'rotary', 'attention', 'cross_entropy', 'matmul_4bit', 'matmul_nbits'],
} as const;

export type OpGroup = keyof typeof OP_GROUPS;
export type OpOf<G extends OpGroup> = (typeof OP_GROUPS)[G][number];
export type Op = OpOf<OpGroup>;

export type UnaryOp = OpOf<'unary'>;
export type BinaryOp = OpOf<'binary'>;
export type ReduceOp = OpOf<'reduce'>;
export type CompositeOp = OpOf<'composite'>;

export const ALL_OPS: readonly Op[] = Object.values(OP_GROUPS).flat() as Op[];

export const opGroup: Record<Op, OpGroup> = Object.fromEntries(
  Object.entries(OP_GROUPS).flatMap(([g, ops]) => ops.map((o) => [o, g])),
) as Record<Op, OpGroup>;

type NoAttrs = Record<string, never>;

export interface ReduceAttrs {
  axes: number[];
  keepdim: boolean;
}

export interface Matmul4bitAttrs {
  /** Rows (out features) and columns (in features) of the weight. */
  n: number;
  k: number;
  blocksize: number;
  /** The 16 values a code indexes. */
  levels: readonly number[];
  /** bitsandbytes' name for `levels`, when they are its table (lets executors use a fused kernel). */
  quantType: 'nf4' | 'fp4' | null;
  transB: boolean;
}

export interface MatmulNbitsAttrs {
  /** Rows (out features) and columns (in features) of the weight. */
  n: number;
  k: number;
  bits: 4 | 8;
  blocksize: number;
  /** 8: the activations are rounded to 8 bits per block before the product; null: used as they are. */
  activationBits: 8 | null;
}

export interface AttentionAttrs {
  causal: boolean;
  scale: number;
  /** Soft cap c of the scaled scores, tanh(s / c) * c; null for none. */
  softcap: number | null;
}

/** Attributes of each op. Keys missing here take `NoAttrs`. */
export interface OpAttrMap {
  input: { name: string };
  param: { param: Parameter };
  const: { value: HostTensor };
  gelu: { approximate: 'none' | 'tanh' };
  cast: { to: DType };
  sum: ReduceAttrs;
  mean: ReduceAttrs;
  max: ReduceAttrs;
  logsumexp: ReduceAttrs;
  reshape: { shape: number[] };
  permute: { perm: number[] };
  slice: { axes: number[]; starts: number[]; ends: number[]; steps: number[] };
  concat: { axis: number };
  expand: { shape: number[] };
  pad: { pads: [number, number][]; value: number };
  split: { axis: number; sizes: number[]; index: number };
  gather: { axis: number };
  take_along_axis: { axis: number };
  scatter_add: { axis: number };
  topk: { axis: number; k: number; index: 0 | 1 };
  range: { start: number; end: number };
  softmax: { axis: number };
  log_softmax: { axis: number };
  rms_norm: { eps: number };
  layer_norm: { eps: number };
  attention: AttentionAttrs;
  cross_entropy: { ignoreIndex: number; reduction: 'mean' | 'sum' | 'none' };
  matmul_4bit: Matmul4bitAttrs;
  matmul_nbits: MatmulNbitsAttrs;
}

export type OpAttrs<O extends Op> = O extends keyof OpAttrMap ? OpAttrMap[O] : NoAttrs;
