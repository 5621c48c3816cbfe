import { type DType, fromFloat32, isFloat } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { Node, makeNode } from '../ir/node.js';
import type { BinaryOp, Op, OpAttrs, UnaryOp } from '../ir/ops.js';
import { ShapeError } from '../ir/shape-error.js';
import { currentScope } from '../ir/trace-context.js';
import type { Parameter } from '../ir/parameter.js';

export type Operand = Tensor | number;

const paramNodes = new WeakMap<Parameter, Node<'param'>>();

function normAxis(axis: number, rank: number, op: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new ShapeError(op, currentScope(), `axis ${axis} out of range for rank ${rank}`);
  return a;
}

/**
 * A lazy tensor: each method records a node in the graph instead of computing. Shapes and dtypes
 * are known at once (checked by the op's shape rule), values only when an executor runs the graph.
 */
export class Tensor {
  constructor(readonly node: Node) {}

  // ---- leaves ----

  /** A value fed by name at run time. */
  static input(name: string, shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return new Tensor(new Node('input', [], { name }, [...shape], dtype));
  }

  /** A parameter as a graph value. One node per parameter, so every use shares one input. */
  static param(p: Parameter): Tensor {
    let n = paramNodes.get(p);
    if (!n || n.shape.join() !== p.shape.join() || n.dtype !== p.dtype) {
      n = new Node('param', [], { param: p }, [...p.shape], p.dtype, '', null);
      paramNodes.set(p, n);
    }
    return new Tensor(n);
  }

  static constant(value: HostTensor): Tensor {
    return new Tensor(makeNode('const', [], { value }));
  }

  static scalar(value: number, dtype: DType = 'f32'): Tensor {
    return Tensor.constant(new HostTensor(dtype, [], fromFloat32(dtype, [value])));
  }

  static fromValues(shape: readonly number[], values: ArrayLike<number>, dtype: DType = 'f32'): Tensor {
    const host = dtype === 'i64' ? HostTensor.i64(shape, values) : dtype === 'f32' ? HostTensor.f32(shape, values) : null;
    if (!host) throw new Error(`constants of dtype ${dtype} are not supported`);
    return Tensor.constant(host);
  }

  /** 0, 1, ..., n-1 as a constant (i64 by default). */
  static arange(n: number, dtype: 'i64' | 'f32' = 'i64'): Tensor {
    return Tensor.fromValues([n], Array.from({ length: n }, (_, i) => i), dtype);
  }

  /**
   * start, ..., end - 1 (i64) as the `range` op rather than a constant: where a graph is lowered
   * with sizes that vary at run time (an export), bounds traced from those sizes follow them.
   */
  static range(start: number, end: number): Tensor {
    return Tensor.op('range', [], { start, end });
  }

  // ---- metadata ----

  get shape(): readonly number[] {
    return this.node.shape;
  }
  get dtype(): DType {
    return this.node.dtype;
  }
  get rank(): number {
    return this.node.shape.length;
  }
  dim(axis: number): number {
    return this.shape[normAxis(axis, this.rank, 'dim')];
  }

  private static op<O extends Op>(op: O, inputs: readonly Tensor[], attrs: OpAttrs<O>): Tensor {
    return new Tensor(makeNode(op, inputs.map((t) => t.node), attrs));
  }

  /** A number operand becomes a scalar of this tensor's dtype (bool compares against 0/1). */
  private lift(x: Operand): Tensor {
    if (typeof x !== 'number') return x;
    return isFloat(this.dtype) ? Tensor.scalar(x).cast(this.dtype) : Tensor.scalar(x, this.dtype);
  }

  // ---- elementwise ----

  private unary(op: UnaryOp): Tensor {
    return Tensor.op(op, [this], {} as OpAttrs<typeof op>);
  }
  private binary(op: BinaryOp, other: Operand): Tensor {
    return Tensor.op(op, [this, this.lift(other)], {} as OpAttrs<typeof op>);
  }

  neg() { return this.unary('neg'); }
  exp() { return this.unary('exp'); }
  log() { return this.unary('log'); }
  sqrt() { return this.unary('sqrt'); }
  rsqrt() { return this.unary('rsqrt'); }
  abs() { return this.unary('abs'); }
  tanh() { return this.unary('tanh'); }
  sigmoid() { return this.unary('sigmoid'); }
  relu() { return this.unary('relu'); }
  silu() { return this.unary('silu'); }
  erf() { return this.unary('erf'); }
  /** The same values, but no gradient flows back through them (torch's `detach`). */
  detach() { return this.unary('stop_gradient'); }
  sin() { return this.unary('sin'); }
  cos() { return this.unary('cos'); }
  not() { return this.unary('not'); }
  gelu(approximate: 'none' | 'tanh' = 'none') { return Tensor.op('gelu', [this], { approximate }); }
  cast(to: DType): Tensor { return to === this.dtype ? this : Tensor.op('cast', [this], { to }); }
  float(): Tensor { return this.cast('f32'); }
  square(): Tensor { return this.mul(this); }

  add(o: Operand) { return this.binary('add', o); }
  sub(o: Operand) { return this.binary('sub', o); }
  mul(o: Operand) { return this.binary('mul', o); }
  div(o: Operand) { return this.binary('div', o); }
  pow(o: Operand) { return this.binary('pow', o); }
  maximum(o: Operand) { return this.binary('maximum', o); }
  minimum(o: Operand) { return this.binary('minimum', o); }
  eq(o: Operand) { return this.binary('eq', o); }
  ne(o: Operand) { return this.binary('ne', o); }
  lt(o: Operand) { return this.binary('lt', o); }
  le(o: Operand) { return this.binary('le', o); }
  gt(o: Operand) { return this.binary('gt', o); }
  ge(o: Operand) { return this.binary('ge', o); }
  and(o: Tensor) { return this.binary('and', o); }
  or(o: Tensor) { return this.binary('or', o); }

  /** cond ? a : b, elementwise with broadcasting. */
  static where(cond: Tensor, a: Operand, b: Operand): Tensor {
    const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : null;
    const lift = (x: Operand) => (x instanceof Tensor ? x : ref ? ref.lift(x) : Tensor.scalar(x));
    return Tensor.op('where', [cond, lift(a), lift(b)], {});
  }

  // ---- reductions ----

  private reduce(op: 'sum' | 'mean' | 'max' | 'logsumexp', axes?: number | number[], keepdim = false): Tensor {
    const list = axes === undefined ? [] : Array.isArray(axes) ? axes : [axes];
    const norm = [...new Set(list.map((a) => normAxis(a, this.rank, op)))].sort((x, y) => x - y);
    return Tensor.op(op, [this], { axes: norm, keepdim });
  }
  sum(axes?: number | number[], keepdim = false) { return this.reduce('sum', axes, keepdim); }
  mean(axes?: number | number[], keepdim = false) { return this.reduce('mean', axes, keepdim); }
  max(axes?: number | number[], keepdim = false) { return this.reduce('max', axes, keepdim); }
  logsumexp(axes?: number | number[], keepdim = false) { return this.reduce('logsumexp', axes, keepdim); }

  // ---- movement ----

  /** Row-major reshape; one dimension may be -1. */
  reshape(...shape: number[] | [number[]]): Tensor {
    const dims = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
    const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
    const total = this.shape.reduce((p, d) => p * d, 1);
    const out = dims.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
    if (out.join() === this.shape.join()) return this;
    return Tensor.op('reshape', [this], { shape: out });
  }
  view(...shape: number[]) { return this.reshape(shape); }
  flatten(start = 0, end = -1): Tensor {
    const s = normAxis(start, this.rank, 'flatten');
    const e = normAxis(end, this.rank, 'flatten');
    const mid = this.shape.slice(s, e + 1).reduce((p, d) => p * d, 1);
    return this.reshape([...this.shape.slice(0, s), mid, ...this.shape.slice(e + 1)]);
  }
  unsqueeze(axis: number): Tensor {
    const a = normAxis(axis, this.rank + 1, 'unsqueeze');
    return this.reshape([...this.shape.slice(0, a), 1, ...this.shape.slice(a)]);
  }
  squeeze(axis: number): Tensor {
    const a = normAxis(axis, this.rank, 'squeeze');
    if (this.shape[a] !== 1) throw new ShapeError('squeeze', currentScope(), `axis ${axis} has size ${this.shape[a]}, not 1`);
    return this.reshape(this.shape.filter((_, k) => k !== a));
  }
  permute(...perm: number[]): Tensor {
    const p = perm.map((a) => normAxis(a, this.rank, 'permute'));
    if (p.every((v, k) => v === k)) return this;
    return Tensor.op('permute', [this], { perm: p });
  }
  transpose(a: number, b: number): Tensor {
    const perm = this.shape.map((_, k) => k);
    const [x, y] = [normAxis(a, this.rank, 'transpose'), normAxis(b, this.rank, 'transpose')];
    [perm[x], perm[y]] = [perm[y], perm[x]];
    return this.permute(...perm);
  }
  /** Swaps the last two axes. */
  get mT(): Tensor {
    return this.transpose(-2, -1);
  }
  slice(axis: number, start: number, end = Infinity, step = 1): Tensor {
    const a = normAxis(axis, this.rank, 'slice');
    const n = this.shape[a];
    const clamp = (v: number) => Math.max(0, Math.min(n, v < 0 ? v + n : v));
    const [s, e] = [clamp(start), Math.max(clamp(start), clamp(end))];
    if (s === 0 && e === n && step === 1) return this;
    return Tensor.op('slice', [this], { axes: [a], starts: [s], ends: [e], steps: [step] });
  }
  narrow(axis: number, start: number, length: number) { return this.slice(axis, start, start + length); }
  static concat(tensors: readonly Tensor[], axis: number): Tensor {
    if (tensors.length === 1) return tensors[0];
    return Tensor.op('concat', tensors, { axis: normAxis(axis, tensors[0].rank, 'concat') });
  }
  /** Broadcasts to `shape` (numpy rules; new leading axes are added). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    const dims = (Array.isArray(shape[0]) ? shape[0] : shape) as number[];
    const lifted = dims.length > this.rank ? this.reshape([...Array(dims.length - this.rank).fill(1), ...this.shape]) : this;
    const target = dims.map((d, k) => (d === -1 ? lifted.shape[k] : d));
    if (target.join() === lifted.shape.join()) return lifted;
    return Tensor.op('expand', [lifted], { shape: target });
  }
  /** Constant padding; `pads[i] = [before, after]` for axis i (missing leading axes get none). */
  pad(pads: [number, number][], value = 0): Tensor {
    const full = [...Array(this.rank - pads.length).fill([0, 0]), ...pads] as [number, number][];
    return Tensor.op('pad', [this], { pads: full, value });
  }
  /** Pieces of the given sizes (or of equal `size`) along `axis`. */
  split(sizes: number | number[], axis = 0): Tensor[] {
    const a = normAxis(axis, this.rank, 'split');
    const n = this.shape[a];
    const list = Array.isArray(sizes) ? sizes : Array.from({ length: Math.ceil(n / sizes) }, (_, k) => Math.min(sizes, n - k * sizes));
    return list.map((_, index) => Tensor.op('split', [this], { axis: a, sizes: list, index }));
  }
  chunk(n: number, axis = 0): Tensor[] {
    return this.split(Math.ceil(this.dim(axis) / n), axis);
  }

  // ---- indexing ----

  /** Picks entries of `axis` by `indices` (embedding lookup when axis = 0). */
  gather(axis: number, indices: Tensor): Tensor {
    return Tensor.op('gather', [this, indices], { axis: normAxis(axis, this.rank, 'gather') });
  }
  takeAlongAxis(indices: Tensor, axis: number): Tensor {
    return Tensor.op('take_along_axis', [this, indices], { axis: normAxis(axis, this.rank, 'take_along_axis') });
  }
  scatterAdd(axis: number, indices: Tensor, updates: Tensor): Tensor {
    return Tensor.op('scatter_add', [this, indices, updates], { axis: normAxis(axis, this.rank, 'scatter_add') });
  }
  /** The `k` largest entries along `axis`, descending, and their positions (i64), as torch.topk. */
  topk(k: number, axis = -1): [values: Tensor, indices: Tensor] {
    const a = normAxis(axis, this.rank, 'topk');
    return [Tensor.op('topk', [this], { axis: a, k, index: 0 }), Tensor.op('topk', [this], { axis: a, k, index: 1 })];
  }

  // ---- linear algebra and normalisation ----

  matmul(other: Tensor): Tensor {
    return Tensor.op('matmul', [this, other], {});
  }
  softmax(axis = -1): Tensor {
    return Tensor.op('softmax', [this], { axis: normAxis(axis, this.rank, 'softmax') });
  }
  logSoftmax(axis = -1): Tensor {
    return Tensor.op('log_softmax', [this], { axis: normAxis(axis, this.rank, 'log_softmax') });
  }

  /** Builds a composite op (see `functional.ts` for the user-facing forms). */
  static composite<O extends 'rms_norm' | 'layer_norm' | 'rotary' | 'attention' | 'cross_entropy' | 'matmul_4bit' | 'matmul_nbits'>(
    op: O,
    inputs: readonly Tensor[],
    attrs: OpAttrs<O>,
  ): Tensor {
    return Tensor.op(op, inputs, attrs);
  }

  toString(): string {
    return `Tensor(${this.node})`;
  }
}
