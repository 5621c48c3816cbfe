import { type DType, isFloat, numel } from '../dtype.js';
import type { Node } from './node.js';
import type { Op, OpAttrs, ReduceAttrs } from './ops.js';
import { ShapeError } from './shape-error.js';
import { currentScope } from './trace-context.js';

export interface ShapeInfo {
  shape: number[];
  dtype: DType;
}

type ShapeRule<O extends Op> = (inputs: readonly Node[], attrs: OpAttrs<O>) => ShapeInfo;

/** Thrown inside rules; `inferShape` turns it into a ShapeError carrying op and module path. */
class RuleFailure extends Error {}

const fail = (msg: string): never => {
  throw new RuleFailure(msg);
};
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

function arity(inputs: readonly Node[], min: number, max = min): void {
  if (inputs.length < min || inputs.length > max) {
    fail(`expects ${min === max ? min : `${min}-${max}`} inputs, got ${inputs.length}`);
  }
}

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) fail(`cannot broadcast ${fmt(a)} with ${fmt(b)}`);
    out.push(da === 1 ? db : da);
  }
  return out;
}

function sameDtype(inputs: readonly Node[]): DType {
  const d = inputs[0].dtype;
  for (const n of inputs) if (n.dtype !== d) fail(`dtype mismatch: ${inputs.map((x) => x.dtype).join(' vs ')}`);
  return d;
}

function floatInput(n: Node): DType {
  if (!isFloat(n.dtype)) fail(`expects a float tensor, got ${n.dtype}`);
  return n.dtype;
}

function checkAxis(axis: number, rank: number): void {
  if (!Number.isInteger(axis) || axis < 0 || axis >= rank) fail(`axis ${axis} out of range for rank ${rank}`);
}

const unaryFloat: ShapeRule<Op> = (i) => {
  arity(i, 1);
  return { shape: [...i[0].shape], dtype: floatInput(i[0]) };
};

const binaryArith: ShapeRule<Op> = (i) => {
  arity(i, 2);
  const dtype = sameDtype(i);
  if (dtype === 'bool') fail('arithmetic on bool tensors');
  return { shape: broadcastShapes(i[0].shape, i[1].shape), dtype };
};

const compare: ShapeRule<Op> = (i) => {
  arity(i, 2);
  sameDtype(i);
  return { shape: broadcastShapes(i[0].shape, i[1].shape), dtype: 'bool' };
};

const logical: ShapeRule<Op> = (i) => {
  arity(i, 2);
  if (i[0].dtype !== 'bool' || i[1].dtype !== 'bool') fail('expects bool inputs');
  return { shape: broadcastShapes(i[0].shape, i[1].shape), dtype: 'bool' };
};

const reduce = (i: readonly Node[], a: ReduceAttrs): ShapeInfo => {
  arity(i, 1);
  // torch counts bools into i64 and maxes them as "any"; we ask for an explicit cast instead.
  if (i[0].dtype === 'bool') fail('cannot reduce a bool tensor; cast it to a number type first');
  const rank = i[0].rank;
  a.axes.forEach((ax) => checkAxis(ax, rank));
  const axes = a.axes.length ? new Set(a.axes) : new Set(i[0].shape.map((_, k) => k));
  const shape = i[0].shape.flatMap((d, k) => (axes.has(k) ? (a.keepdim ? [1] : []) : [d]));
  return { shape, dtype: i[0].dtype };
};

const floatReduce = (i: readonly Node[], a: ReduceAttrs): ShapeInfo => {
  arity(i, 1);
  floatInput(i[0]);
  return reduce(i, a);
};

const softmaxLike = (i: readonly Node[], a: { axis: number }): ShapeInfo => {
  arity(i, 1);
  checkAxis(a.axis, i[0].rank);
  return { shape: [...i[0].shape], dtype: floatInput(i[0]) };
};

function indexDtype(n: Node): void {
  if (n.dtype !== 'i64' && n.dtype !== 'i32') fail(`indices must be i64 or i32, got ${n.dtype}`);
}

/** The shape rule of every op, in one table. */
export const SHAPE_RULES: { [O in Op]: ShapeRule<O> } = {
  input: (i) => (arity(i, 0), fail('input nodes are made by Tensor.input, not inferred')),
  param: (i, a) => (arity(i, 0), { shape: [...a.param.shape], dtype: a.param.dtype }),
  const: (i, a) => (arity(i, 0), { shape: [...a.value.shape], dtype: a.value.dtype }),

  neg: (i) => {
    arity(i, 1);
    if (i[0].dtype === 'bool' || i[0].dtype === 'u8') fail(`cannot negate ${i[0].dtype}`);
    return { shape: [...i[0].shape], dtype: i[0].dtype };
  },
  exp: unaryFloat,
  log: unaryFloat,
  sqrt: unaryFloat,
  rsqrt: unaryFloat,
  abs: (i) => (arity(i, 1), { shape: [...i[0].shape], dtype: i[0].dtype }),
  tanh: unaryFloat,
  sigmoid: unaryFloat,
  relu: unaryFloat,
  gelu: unaryFloat,
  silu: unaryFloat,
  erf: unaryFloat,
  sin: unaryFloat,
  cos: unaryFloat,
  not: (i) => {
    arity(i, 1);
    if (i[0].dtype !== 'bool') fail('expects a bool input');
    return { shape: [...i[0].shape], dtype: 'bool' };
  },
  cast: (i, a) => (arity(i, 1), { shape: [...i[0].shape], dtype: a.to }),
  stop_gradient: (i) => (arity(i, 1), { shape: [...i[0].shape], dtype: i[0].dtype }),

  add: binaryArith,
  sub: binaryArith,
  mul: binaryArith,
  div: binaryArith,
  pow: (i) => {
    const r = binaryArith(i, {} as never);
    floatInput(i[0]);
    return r;
  },
  maximum: binaryArith,
  minimum: binaryArith,
  eq: compare,
  ne: compare,
  lt: compare,
  le: compare,
  gt: compare,
  ge: compare,
  and: logical,
  or: logical,

  where: (i) => {
    arity(i, 3);
    if (i[0].dtype !== 'bool') fail(`condition must be bool, got ${i[0].dtype}`);
    if (i[1].dtype !== i[2].dtype) fail(`branches differ in dtype: ${i[1].dtype} vs ${i[2].dtype}`);
    return { shape: broadcastShapes(broadcastShapes(i[0].shape, i[1].shape), i[2].shape), dtype: i[1].dtype };
  },

  sum: reduce,
  mean: floatReduce,
  max: reduce,
  logsumexp: floatReduce,

  reshape: (i, a) => {
    arity(i, 1);
    if (a.shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`invalid target shape ${fmt(a.shape)}`);
    if (numel(a.shape) !== numel(i[0].shape)) fail(`cannot reshape ${fmt(i[0].shape)} to ${fmt(a.shape)}`);
    return { shape: [...a.shape], dtype: i[0].dtype };
  },
  permute: (i, a) => {
    arity(i, 1);
    const r = i[0].rank;
    const sorted = [...a.perm].sort((x, y) => x - y);
    if (a.perm.length !== r || sorted.some((v, k) => v !== k)) fail(`invalid permutation ${fmt(a.perm)} for rank ${r}`);
    return { shape: a.perm.map((p) => i[0].shape[p]), dtype: i[0].dtype };
  },
  slice: (i, a) => {
    arity(i, 1);
    const shape = [...i[0].shape];
    a.axes.forEach((ax, k) => {
      checkAxis(ax, shape.length);
      const { starts, ends, steps } = a;
      if (steps[k] <= 0) fail(`slice step must be positive, got ${steps[k]}`);
      if (starts[k] < 0 || ends[k] > shape[ax] || starts[k] > ends[k]) {
        fail(`slice [${starts[k]}:${ends[k]}] out of range for axis ${ax} of size ${shape[ax]}`);
      }
      shape[ax] = Math.ceil((ends[k] - starts[k]) / steps[k]);
    });
    return { shape, dtype: i[0].dtype };
  },
  concat: (i, a) => {
    if (i.length < 1) fail('needs at least one input');
    const dtype = sameDtype(i);
    const r = i[0].rank;
    checkAxis(a.axis, r);
    const shape = [...i[0].shape];
    for (const n of i.slice(1)) {
      if (n.rank !== r || n.shape.some((d, k) => k !== a.axis && d !== shape[k])) {
        fail(`cannot concat ${fmt(i[0].shape)} with ${fmt(n.shape)} on axis ${a.axis}`);
      }
      shape[a.axis] += n.shape[a.axis];
    }
    return { shape, dtype };
  },
  expand: (i, a) => {
    arity(i, 1);
    if (a.shape.length !== i[0].rank) fail(`expand needs the same rank: ${fmt(i[0].shape)} to ${fmt(a.shape)}`);
    i[0].shape.forEach((d, k) => {
      if (d !== 1 && d !== a.shape[k]) fail(`cannot expand ${fmt(i[0].shape)} to ${fmt(a.shape)}`);
    });
    return { shape: [...a.shape], dtype: i[0].dtype };
  },
  pad: (i, a) => {
    arity(i, 1);
    if (a.pads.length !== i[0].rank) fail(`needs one [before, after] pair per axis`);
    if (a.pads.some(([b, e]) => b < 0 || e < 0)) fail('negative padding');
    return { shape: i[0].shape.map((d, k) => d + a.pads[k][0] + a.pads[k][1]), dtype: i[0].dtype };
  },
  split: (i, a) => {
    arity(i, 1);
    checkAxis(a.axis, i[0].rank);
    const total = a.sizes.reduce((x, y) => x + y, 0);
    if (total !== i[0].shape[a.axis]) fail(`sizes ${fmt(a.sizes)} do not add up to ${i[0].shape[a.axis]}`);
    if (a.index < 0 || a.index >= a.sizes.length) fail(`piece ${a.index} of ${a.sizes.length}`);
    const shape = [...i[0].shape];
    shape[a.axis] = a.sizes[a.index];
    return { shape, dtype: i[0].dtype };
  },

  gather: (i, a) => {
    arity(i, 2);
    checkAxis(a.axis, i[0].rank);
    indexDtype(i[1]);
    const d = i[0].shape;
    return { shape: [...d.slice(0, a.axis), ...i[1].shape, ...d.slice(a.axis + 1)], dtype: i[0].dtype };
  },
  take_along_axis: (i, a) => {
    arity(i, 2);
    checkAxis(a.axis, i[0].rank);
    indexDtype(i[1]);
    if (i[1].rank !== i[0].rank) fail(`indices rank ${i[1].rank} differs from data rank ${i[0].rank}`);
    i[1].shape.forEach((d, k) => {
      if (k !== a.axis && d !== i[0].shape[k]) fail(`indices ${fmt(i[1].shape)} do not fit data ${fmt(i[0].shape)}`);
    });
    return { shape: [...i[1].shape], dtype: i[0].dtype };
  },
  scatter_add: (i, a) => {
    arity(i, 3);
    checkAxis(a.axis, i[0].rank);
    indexDtype(i[1]);
    if (i[0].dtype !== i[2].dtype) fail(`updates dtype ${i[2].dtype} differs from ${i[0].dtype}`);
    if (i[1].shape.join() !== i[2].shape.join()) fail(`indices ${fmt(i[1].shape)} and updates ${fmt(i[2].shape)} differ`);
    if (i[1].rank !== i[0].rank) fail(`indices rank ${i[1].rank} differs from data rank ${i[0].rank}`);
    i[1].shape.forEach((d, k) => {
      if (k !== a.axis && d > i[0].shape[k]) fail(`updates ${fmt(i[2].shape)} exceed base ${fmt(i[0].shape)}`);
    });
    return { shape: [...i[0].shape], dtype: i[0].dtype };
  },
  topk: (i, a) => {
    arity(i, 1);
    checkAxis(a.axis, i[0].rank);
    if (i[0].dtype === 'bool') fail('expects a numeric tensor, got bool');
    const n = i[0].shape[a.axis];
    if (!Number.isInteger(a.k) || a.k < 1 || a.k > n) fail(`k ${a.k} out of range [1, ${n}] on axis ${a.axis}`);
    if (a.index !== 0 && a.index !== 1) fail(`output ${a.index} of 2`);
    const shape = [...i[0].shape];
    shape[a.axis] = a.k;
    return { shape, dtype: a.index === 0 ? i[0].dtype : 'i64' };
  },
  range: (i, a) => {
    arity(i, 0);
    if (!Number.isInteger(a.start) || !Number.isInteger(a.end) || a.end < a.start) fail(`bounds [${a.start}, ${a.end}) are not an integer range`);
    return { shape: [a.end - a.start], dtype: 'i64' };
  },

  matmul: (i) => {
    arity(i, 2);
    const dtype = sameDtype(i);
    floatInput(i[0]);
    const [a, b] = [i[0].shape, i[1].shape];
    if (a.length < 2 || b.length < 2) fail(`needs rank >= 2, got ${fmt(a)} and ${fmt(b)}`);
    if (a[a.length - 1] !== b[b.length - 2]) fail(`cannot multiply ${fmt(a)} by ${fmt(b)}`);
    const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2));
    return { shape: [...batch, a[a.length - 2], b[b.length - 1]], dtype };
  },

  softmax: softmaxLike,
  log_softmax: softmaxLike,

  rms_norm: (i) => {
    arity(i, 2);
    const dtype = sameDtype(i);
    floatInput(i[0]);
    const d = i[0].shape[i[0].rank - 1];
    if (i[1].rank !== 1 || i[1].shape[0] !== d) fail(`weight ${fmt(i[1].shape)} does not match last axis ${d}`);
    return { shape: [...i[0].shape], dtype };
  },
  layer_norm: (i) => {
    arity(i, 3);
    const dtype = sameDtype(i);
    floatInput(i[0]);
    const d = i[0].shape[i[0].rank - 1];
    for (const p of [i[1], i[2]]) if (p.rank !== 1 || p.shape[0] !== d) fail(`${fmt(p.shape)} does not match last axis ${d}`);
    return { shape: [...i[0].shape], dtype };
  },
  rotary: (i) => {
    arity(i, 3);
    const dtype = sameDtype(i);
    floatInput(i[0]);
    if (i[0].shape[i[0].rank - 1] % 2) fail(`last axis ${i[0].shape[i[0].rank - 1]} must be even`);
    broadcastShapes(i[0].shape, i[1].shape);
    broadcastShapes(i[0].shape, i[2].shape);
    if (broadcastShapes(i[0].shape, i[1].shape).join() !== i[0].shape.join()) fail(`cos ${fmt(i[1].shape)} grows ${fmt(i[0].shape)}`);
    return { shape: [...i[0].shape], dtype };
  },
  attention: (i, a) => {
    arity(i, 3, 4);
    if (a.softcap !== null && !(a.softcap > 0 && Number.isFinite(a.softcap))) fail(`softcap must be a finite number > 0 or null, got ${a.softcap}`);
    const [q, k, v] = i;
    const dtype = sameDtype([q, k, v]);
    floatInput(q);
    if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) fail(`q, k, v must be [B, H, T, D], got ${fmt(q.shape)} ${fmt(k.shape)} ${fmt(v.shape)}`);
    const [b, hq, t, d] = q.shape;
    const [bk, hkv, s, dk] = k.shape;
    if (bk !== b || dk !== d || v.shape.join() !== k.shape.join()) fail(`q ${fmt(q.shape)}, k ${fmt(k.shape)}, v ${fmt(v.shape)} do not agree`);
    if (hq % hkv) fail(`${hq} query heads are not a multiple of ${hkv} kv heads`);
    if (i[3]) {
      if (i[3].dtype !== 'bool') fail(`mask must be bool, got ${i[3].dtype}`);
      const m = i[3].shape;
      if (m.length !== 4 || broadcastShapes(m, [b, hq, t, s]).join() !== [b, hq, t, s].join()) {
        fail(`mask ${fmt(m)} does not broadcast to ${fmt([b, hq, t, s])}`);
      }
    }
    return { shape: [b, hq, t, d], dtype };
  },
  cross_entropy: (i, a) => {
    arity(i, 2);
    floatInput(i[0]);
    indexDtype(i[1]);
    if (i[0].rank !== 2 || i[1].rank !== 1 || i[1].shape[0] !== i[0].shape[0]) {
      fail(`expects logits [N, C] and labels [N], got ${fmt(i[0].shape)} and ${fmt(i[1].shape)}`);
    }
    return { shape: a.reduction === 'none' ? [i[0].shape[0]] : [], dtype: i[0].dtype };
  },
  matmul_4bit: (i, a) => {
    arity(i, 3);
    const [x, packed, absmax] = i;
    floatInput(x);
    if (a.levels.length !== 16) fail(`needs 16 levels, got ${a.levels.length}`);
    if (!(a.blocksize > 0 && Number.isInteger(a.blocksize))) fail(`blocksize ${a.blocksize} must be a positive integer`);
    const numel = a.n * a.k;
    if (packed.dtype !== 'u8' || packed.rank !== 1 || packed.shape[0] !== Math.ceil(numel / 2)) {
      fail(`packed codes must be u8 [${Math.ceil(numel / 2)}] for a [${a.n}, ${a.k}] weight, got ${packed.dtype} ${fmt(packed.shape)}`);
    }
    if (absmax.dtype !== x.dtype || absmax.rank !== 1 || absmax.shape[0] !== Math.ceil(numel / a.blocksize)) {
      fail(`absmax must be ${x.dtype} [${Math.ceil(numel / a.blocksize)}], got ${absmax.dtype} ${fmt(absmax.shape)}`);
    }
    const [inner, outer] = a.transB ? [a.k, a.n] : [a.n, a.k];
    if (x.rank < 1 || x.shape[x.rank - 1] !== inner) fail(`cannot multiply ${fmt(x.shape)} by a 4-bit [${a.n}, ${a.k}] weight${a.transB ? ' transposed' : ''}`);
    return { shape: [...x.shape.slice(0, -1), outer], dtype: x.dtype };
  },
  matmul_nbits: (i, a) => {
    arity(i, 3);
    const [x, packed, scales] = i;
    floatInput(x);
    if (a.bits !== 4 && a.bits !== 8) fail(`bits must be 4 or 8, got ${a.bits}`);
    if (!(a.blocksize > 0 && Number.isInteger(a.blocksize) && (a.blocksize * a.bits) % 8 === 0)) fail(`blocksize ${a.blocksize} must be a positive integer filling whole bytes`);
    const blocks = Math.ceil(a.k / a.blocksize);
    const layout = [a.n, blocks, (a.blocksize * a.bits) / 8];
    if (packed.dtype !== 'u8' || packed.shape.join() !== layout.join()) fail(`packed codes must be u8 ${fmt(layout)} for a [${a.n}, ${a.k}] weight, got ${packed.dtype} ${fmt(packed.shape)}`);
    if (scales.dtype !== 'f32' || scales.rank !== 1 || scales.shape[0] !== a.n * blocks) fail(`scales must be f32 [${a.n * blocks}], got ${scales.dtype} ${fmt(scales.shape)}`);
    if (x.rank < 1 || x.shape[x.rank - 1] !== a.k) fail(`cannot multiply ${fmt(x.shape)} by a ${a.bits}-bit [${a.n}, ${a.k}] weight transposed`);
    return { shape: [...x.shape.slice(0, -1), a.n], dtype: x.dtype };
  },
};

export function inferShape<O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs<O>): ShapeInfo {
  try {
    return (SHAPE_RULES[op] as ShapeRule<O>)(inputs, attrs);
  } catch (e) {
    if (e instanceof RuleFailure) throw new ShapeError(op, currentScope(), e.message);
    throw e;
  }
}
