import { type DType, type Node, type OpAttrs, contiguousStrides, numel, toFloat32 } from '@tunekit/core';
import { COMPUTE_C_TYPE, STORAGE_C_TYPE, loadExpr, narrowExpr } from './cuda-prelude.js';
import { ELEMENTWISE_C, constantC, isElementwise } from './elementwise.ops.js';

/** The one value of a scalar constant (inlined as a literal, no buffer). */
function scalarOf(node: Node<'const'>): number {
  const { dtype, data } = node.attrs.value;
  return dtype === 'i64' ? Number((data as BigInt64Array)[0]) : toFloat32(dtype, data)[0];
}


/** `Σ c[k]·m[k]` as C, skipping zero terms. */
export function dot(coords: readonly string[], mult: readonly number[], base = 0): string {
  const terms = coords.flatMap((c, k) => (mult[k] === 0 || c === '0' ? [] : [mult[k] === 1 ? c : `${c} * ${mult[k]}LL`]));
  if (base !== 0) terms.push(`${base}LL`);
  return terms.length ? terms.join(' + ') : '0';
}

interface Param {
  name: string;
  buffer: number;
  dtype: DType;
  write: boolean;
}

/**
 * Writes the C that computes a node's value at one flat index, pulling in its inlined producers
 * (elementwise ops and index mappings) so a whole chain becomes one expression per element. Nodes
 * that are not inlined are loaded from their buffers; every buffer becomes one kernel parameter.
 */
export class ValueEmitter {
  readonly lines: string[] = [];
  readonly params: Param[] = [];
  private counter = 0;
  private readonly loads = new Map<string, string>();

  constructor(
    private readonly inlined: (node: Node) => boolean,
    private readonly bufferOf: (node: Node) => number,
  ) {}

  fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** The kernel parameter for a buffer (one per buffer and direction). */
  param(buffer: number, dtype: DType, write = false): string {
    let p = this.params.find((q) => q.buffer === buffer && q.write === write);
    if (!p) {
      p = { name: `${write ? 'out' : 'in'}${this.params.length}`, buffer, dtype, write };
      this.params.push(p);
    }
    return p.name;
  }

  /** The parameter list, in order: `const float* __restrict__ in0, ...`. */
  signature(): string {
    return this.params.map((p) => `${p.write ? '' : 'const '}${STORAGE_C_TYPE[p.dtype]}* __restrict__ ${p.name}`).join(', ');
  }

  /** Coordinates of flat index `idx` in `shape` as C names (constant 0 for size-1 axes). */
  coords(idx: string, shape: readonly number[]): string[] {
    const strides = contiguousStrides(shape);
    return shape.map((d, k) => {
      if (d === 1) return '0';
      const c = this.fresh('c');
      const div = strides[k] === 1 ? idx : `(${idx}) / ${strides[k]}LL`;
      this.lines.push(`const long long ${c} = ${k === 0 ? div : `(${div}) % ${d}LL`};`);
      return c;
    });
  }

  /** The flat index into `inShape` that numpy broadcasting reads for output flat index `idx`. */
  broadcastIndex(idx: string, outShape: readonly number[], inShape: readonly number[]): string {
    if (numel(inShape) === 1) return '0';
    if (inShape.length === outShape.length && inShape.every((d, k) => d === outShape[k])) return idx;
    const lead = outShape.length - inShape.length;
    const own = contiguousStrides(inShape);
    const c = this.coords(idx, outShape);
    return this.index(dot(c, outShape.map((_, k) => (k < lead || inShape[k - lead] === 1 ? 0 : own[k - lead]))));
  }

  private index(expr: string): string {
    if (/^[a-z]*\d*$/.test(expr)) return expr;
    const v = this.fresh('j');
    this.lines.push(`const long long ${v} = ${expr};`);
    return v;
  }

  private load(node: Node, idx: string): string {
    const buffer = this.bufferOf(node);
    const key = `${buffer}@${idx}`;
    const seen = this.loads.get(key);
    if (seen) return seen;
    const v = this.fresh('v');
    this.lines.push(`const ${COMPUTE_C_TYPE[node.dtype]} ${v} = ${loadExpr(node.dtype, this.param(buffer, node.dtype), idx)};`);
    this.loads.set(key, v);
    return v;
  }

  /** A load that may not happen (its index may be out of range when `cond` is false). */
  private guardedLoad(node: Node, idx: string): string {
    return loadExpr(node.dtype, this.param(this.bufferOf(node), node.dtype), idx);
  }

  /** Emits the value of `node` at flat index `idx` and returns the C name that holds it. */
  value(node: Node, idx: string): string {
    if (!this.inlined(node)) return this.load(node, idx);
    const expr = this.compute(node, idx);
    const v = this.fresh('v');
    this.lines.push(`const ${COMPUTE_C_TYPE[node.dtype]} ${v} = ${narrowExpr(node.dtype, expr)};`);
    return v;
  }

  private compute(node: Node, idx: string): string {
    if (node.op === 'const') return constantC(node.dtype, scalarOf(node as Node<'const'>));
    if (isElementwise(node.op)) {
      const xs = node.inputs.map((x) => this.value(x, this.broadcastIndex(idx, node.shape, x.shape)));
      return ELEMENTWISE_C[node.op](xs, node);
    }
    const mapping = INDEX_MAPPINGS[node.op as MappedOp];
    if (!mapping) throw new Error(`kernels-cuda planner: ${node.op} cannot be inlined into a kernel (planner bug)`);
    return mapping(this, node, idx);
  }

  /** The buffer that holds a materialised node. */
  bufferIndex(node: Node): number {
    return this.bufferOf(node);
  }

  /** Forgets cached loads: the next lines live in another C scope. */
  resetScope(): void {
    this.loads.clear();
  }

  /** The flat index `base + Σ coord[k]·mult[k]` for output flat index `idx`. */
  coordsIndex(idx: string, shape: readonly number[], mult: readonly number[], base = 0): string {
    return this.index(dot(this.coords(idx, shape), mult, base));
  }

  /** The value of `node` under a condition: a guarded buffer load (for pad and concat, whose inputs are materialised). */
  maybe(node: Node, idx: string): string {
    return this.guardedLoad(node, idx);
  }
}

type MappedOp = 'reshape' | 'permute' | 'slice' | 'expand' | 'split' | 'pad' | 'concat';

/** Index mappings: a movement op's output element as its input's element at another index. */
const INDEX_MAPPINGS: Record<MappedOp, (e: ValueEmitter, node: Node, idx: string) => string> = {
  reshape: (e, node, idx) => e.value(node.inputs[0], idx),
  expand: (e, node, idx) => e.value(node.inputs[0], e.broadcastIndex(idx, node.shape, node.inputs[0].shape)),
  permute: (e, node, idx) => {
    const { perm } = node.attrs as OpAttrs<'permute'>;
    const inStrides = contiguousStrides(node.inputs[0].shape);
    return e.value(node.inputs[0], e.coordsIndex(idx, node.shape, perm.map((p) => inStrides[p])));
  },
  slice: (e, node, idx) => {
    const { axes, starts, steps } = node.attrs as OpAttrs<'slice'>;
    const inShape = node.inputs[0].shape;
    const inStrides = contiguousStrides(inShape);
    const start = inShape.map((_, k) => (axes.includes(k) ? starts[axes.indexOf(k)] : 0));
    const step = inShape.map((_, k) => (axes.includes(k) ? steps[axes.indexOf(k)] : 1));
    const base = start.reduce((acc, s, k) => acc + s * inStrides[k], 0);
    return e.value(node.inputs[0], e.coordsIndex(idx, node.shape, inStrides.map((s, k) => s * step[k]), base));
  },
  split: (e, node, idx) => {
    const { axis, sizes, index } = node.attrs as OpAttrs<'split'>;
    const inStrides = contiguousStrides(node.inputs[0].shape);
    const offset = sizes.slice(0, index).reduce((a, b) => a + b, 0);
    return e.value(node.inputs[0], e.coordsIndex(idx, node.shape, inStrides, offset * inStrides[axis]));
  },
  pad: (e, node, idx) => {
    const { pads, value } = node.attrs as OpAttrs<'pad'>;
    const x = node.inputs[0];
    const c = e.coords(idx, node.shape);
    const inside = c.flatMap((ck, k) => {
      const [before] = pads[k];
      if (before === 0 && node.shape[k] === x.shape[k]) return [];
      return [`${ck} >= ${before}LL`, `${ck} < ${before + x.shape[k]}LL`];
    });
    const at = dot(
      c.map((ck, k) => (pads[k][0] === 0 ? ck : `(${ck} - ${pads[k][0]}LL)`)),
      contiguousStrides(x.shape),
    );
    if (!inside.length) return e.maybe(x, at);
    return `((${inside.join(' && ')}) ? ${e.maybe(x, at)} : (${COMPUTE_C_TYPE[node.dtype]})${constantC(node.dtype, value)})`;
  },
  concat: (e, node, idx) => {
    const { axis } = node.attrs as OpAttrs<'concat'>;
    const c = e.coords(idx, node.shape);
    let offset = 0;
    const pieces = node.inputs.map((x) => {
      const at = dot(
        c.map((ck, k) => (k === axis && offset ? `(${ck} - ${offset}LL)` : ck)),
        contiguousStrides(x.shape),
      );
      offset += x.shape[axis];
      return { end: offset, read: e.maybe(x, at) };
    });
    const axisCoord = c[axis];
    return pieces.reduceRight((rest, p, k) => (k === pieces.length - 1 ? p.read : `(${axisCoord} < ${p.end}LL ? ${p.read} : ${rest})`), '');
  },
};
