import { createHash } from 'node:crypto';
import { type DType, toFloat32 } from '../../dtype.js';
import type { HostTensor } from '../../host-tensor.js';
import type { Node } from '../../ir/node.js';
import type { Parameter } from '../../ir/parameter.js';
import { BOUNDARY, COMPUTE_ELEM, HALF_ELEM } from './onnx.dtypes.js';
import { type Dim, type DynamicDims, type SymbolicDim, dimName } from './onnx.dynamic-dims.js';
import {
  type Attr,
  ELEM,
  type ElemType,
  type ExternalWriter,
  MS_DOMAIN,
  type ModelInit,
  type NodeInit,
  OPSET,
  type TensorInit,
  type ValueInfo,
  attr,
  encodeModel,
} from './onnx.proto.js';

export interface OpOptions {
  domain?: string;
  /** Number of outputs (Split has several). */
  outputs?: number;
  /** Output names chosen outside (claimed already); fresh ones otherwise. */
  names?: readonly string[];
}

const SCALAR_ARRAYS: Partial<Record<ElemType, (v: number) => ArrayBufferView>> = {
  float: (v) => Float32Array.of(v),
  int64: (v) => BigInt64Array.of(BigInt(v)),
  int32: (v) => Int32Array.of(v),
  uint8: (v) => Uint8Array.of(v),
  int8: (v) => Int8Array.of(v),
  bool: (v) => Uint8Array.of(v ? 1 : 0),
};

/** Casts that keep every value, so casting back recovers the source exactly. */
const EXACT_WIDENINGS: Partial<Record<ElemType, readonly ElemType[]>> = {
  float16: ['float'],
  bfloat16: ['float'],
  bool: ['uint8', 'int8', 'int32', 'int64', 'float'],
  uint8: ['int32', 'int64', 'float'],
  int8: ['int32', 'int64', 'float'],
  int32: ['int64'],
};

const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A parameter stored in the model: its initializer's name, element type and (lazily made) bytes. */
export interface StoredWeight {
  readonly name: string;
  readonly elem: ElemType;
  readonly raw: () => Uint8Array;
}

export interface OnnxBuilderOptions {
  /** Sizes that vary at run time; graph inputs and size attributes then carry them symbolically. */
  readonly dynamic?: DynamicDims;
}

/**
 * Assembles one ONNX graph: value names, nodes, deduplicated initializers, graph inputs and outputs.
 * Lowerings talk to it in IR dtypes where that is what they know (`cast`, `scalar`, `constant`).
 */
export class OnnxBuilder {
  private readonly nodes: NodeInit[] = [];
  private readonly initializers: TensorInit[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  /** Names that are graph inputs or initializers: a graph output cannot be one of them. */
  private readonly leaves = new Set<string>();
  private readonly initByContent = new Map<string, string>();
  private readonly memos = new Map<string, unknown>();
  private readonly fed = new Map<Node, string>();
  /** Element types of graph inputs and Cast outputs, and each Cast's input: for folding cast chains. */
  private readonly elemOf = new Map<string, ElemType>();
  private readonly castFrom = new Map<string, string>();
  private counter = 0;
  /** Graph input and axis that carries each varying size (for `Shape`). */
  private readonly sizeSources = new Map<string, { input: string; axis: number }>();

  constructor(private readonly options: OnnxBuilderOptions = {}) {}

  /** Claims a name chosen outside (graph inputs); a clash would silently merge two values. */
  claim(name: string): string {
    if (this.used.has(name)) throw new Error(`ONNX value name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  fresh(): string {
    let name: string;
    do name = `t${this.counter++}`;
    while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  op(opType: string, inputs: readonly string[], attrs?: Record<string, Attr>, opts: OpOptions = {}): string[] {
    const outputs = opts.names ? [...opts.names] : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh());
    this.nodes.push({ opType, inputs, outputs, attrs, domain: opts.domain });
    return outputs;
  }

  op1(opType: string, inputs: readonly string[], attrs?: Record<string, Attr>, domain?: string): string {
    return this.op(opType, inputs, attrs, { domain })[0];
  }

  /** Calls `make` once per key; lets lowerings share one ONNX node between IR nodes (e.g. Split). */
  memo<T>(key: string, make: () => T): T {
    if (!this.memos.has(key)) this.memos.set(key, make());
    return this.memos.get(key) as T;
  }

  input(name: string, elem: ElemType, dims: readonly Dim[]): string {
    this.inputs.push({ name: this.claim(name), elem, dims: dims.map(dimName) });
    dims.forEach((d, axis) => {
      if (typeof d !== 'number' && d.coef === 1 && d.symbols.length === 1 && !this.sizeSources.has(d.symbols[0])) this.sizeSources.set(d.symbols[0], { input: name, axis });
    });
    this.leaves.add(name);
    this.elemOf.set(name, elem);
    return name;
  }

  /**
   * Declares the graph input `name` for a leaf node, in the type it crosses the boundary with,
   * and widens it to its compute type where those differ (f16 inputs compute in f32).
   */
  feed(node: Node, name: string): string {
    const boundary = BOUNDARY[node.dtype].elem;
    const x = this.input(name, boundary, this.dimsOf(node));
    const value = boundary === COMPUTE_ELEM[node.dtype] ? x : this.castElem(x, COMPUTE_ELEM[node.dtype]);
    this.fed.set(node, value);
    return value;
  }

  /** The compute value of a leaf declared with `feed`. */
  fedValue(node: Node): string {
    const value = this.fed.get(node);
    if (value === undefined) throw new Error(`${node} was not declared as a graph input`);
    return value;
  }

  /**
   * Stores a parameter in the model as an initializer (instead of a graph input) and returns its
   * value in the compute type; one initializer per parameter, however many nodes read it.
   */
  weight(node: Node<'param'>, stored: StoredWeight): string {
    const p: Parameter = node.attrs.param;
    return this.memo(`weight:${p.id}`, () => {
      const name = this.stored(stored.name, stored.elem, node.shape, stored.raw);
      const compute = COMPUTE_ELEM[node.dtype];
      return stored.elem === compute ? name : this.castElem(name, compute);
    });
  }

  /** A named initializer whose bytes are made when the model is encoded (left out if nothing reads it). */
  stored(name: string, elem: ElemType, dims: readonly number[], raw: () => Uint8Array): string {
    this.initializers.push({ name: this.claim(name), elem, dims, raw });
    this.leaves.add(name);
    this.elemOf.set(name, elem);
    return name;
  }

  /** A node's shape, with the sizes that vary at run time as expressions. */
  dimsOf(node: Node): readonly Dim[] {
    return this.options.dynamic?.shape(node) ?? node.shape;
  }

  /**
   * Marks `value` as a graph output, named `name` when given; returns the output's name (an
   * Identity when `value` cannot be one or has another name).
   */
  output(value: string, elem: ElemType, dims: readonly Dim[], name?: string): string {
    const taken = this.leaves.has(value) || this.outputs.some((o) => o.name === value);
    let out = value;
    if (name !== undefined && name !== value) out = this.op('Identity', [value], undefined, { names: [this.claim(name)] })[0];
    else if (taken) out = this.op1('Identity', [value]);
    this.outputs.push({ name: out, elem, dims: dims.map(dimName) });
    return out;
  }

  /**
   * A 1-D int64 size list for `node`'s attribute `key` (a reshape's shape, a slice's ends): a
   * constant, or, where sizes vary at run time, assembled from the graph inputs' shapes.
   */
  sizes(node: Node, key: string, values: readonly number[]): string {
    const dims = this.options.dynamic?.attr(node, key);
    if (!dims) return this.ints(values);
    const pieces: string[] = [];
    let fixed: number[] = [];
    for (const d of dims) {
      if (typeof d === 'number') {
        fixed.push(d);
        continue;
      }
      if (fixed.length) pieces.push(this.ints(fixed));
      fixed = [];
      pieces.push(this.size(d));
    }
    if (fixed.length) pieces.push(this.ints(fixed));
    return pieces.length === 1 ? pieces[0] : this.op1('Concat', pieces, { axis: attr.int(0) });
  }

  /** Whether `node`'s size attribute `key` varies at run time. */
  varies(node: Node, key: string): boolean {
    return this.options.dynamic?.attr(node, key) !== undefined;
  }

  /** A varying size as an int64 [1], from the shape of the graph input that carries each factor. */
  private size(d: SymbolicDim): string {
    return this.memo(`size:${dimName(d)}`, () => {
      const factors = d.symbols.map((s) => {
        const source = this.sizeSources.get(s);
        if (!source) throw new Error(`ONNX: no graph input carries the size "${s}"`);
        return this.memo(`size:${s}`, () => this.op1('Shape', [source.input], { start: attr.int(source.axis), end: attr.int(source.axis + 1) }));
      });
      if (d.coef !== 1) factors.push(this.ints([d.coef]));
      return factors.reduce((a, f) => this.op1('Mul', [a, f]));
    });
  }

  /** An initializer; equal contents share one (ORT's CSE then sees equal inputs as equal). */
  initializer(elem: ElemType, dims: readonly number[], raw: Uint8Array): string {
    const key = `${elem}[${dims}]${createHash('sha1').update(raw).digest('base64')}`;
    let name = this.initByContent.get(key);
    if (!name) {
      name = this.fresh();
      this.initializers.push({ name, elem, dims, raw });
      this.initByContent.set(key, name);
      this.leaves.add(name);
    }
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, pads, split sizes). */
  ints(values: readonly number[]): string {
    return this.initializer('int64', [values.length], bytesOf(BigInt64Array.from(values, BigInt)));
  }

  /** A 0-d initializer holding `value` in the compute type of `dtype`. */
  scalar(dtype: DType, value: number): string {
    const elem = COMPUTE_ELEM[dtype];
    return this.initializer(elem, [], bytesOf(SCALAR_ARRAYS[elem]!(value)));
  }

  /** An IR constant, stored in its compute type. */
  constant(value: HostTensor): string {
    const elem = COMPUTE_ELEM[value.dtype];
    const data = elem === 'float' ? toFloat32(value.dtype, value.data) : value.data;
    return this.initializer(elem, value.shape, bytesOf(data));
  }

  /** IR cast semantics: casting to a half float rounds; casts within one compute type are free. */
  cast(x: string, from: DType, to: DType): string {
    const half = HALF_ELEM[to];
    if (half && from !== to) return this.castElem(this.castElem(x, half), 'float');
    if (COMPUTE_ELEM[from] === COMPUTE_ELEM[to]) return x;
    return this.castElem(x, COMPUTE_ELEM[to]);
  }

  /** A Cast, except that casting an exact widening back to its source type returns the source. */
  castElem(x: string, to: ElemType): string {
    const source = this.castFrom.get(x);
    const sourceElem = source === undefined ? undefined : this.elemOf.get(source);
    if (sourceElem === to && EXACT_WIDENINGS[to]?.includes(this.elemOf.get(x)!)) return source!;
    const y = this.op1('Cast', [x], { to: attr.int(ELEM[to]) });
    this.elemOf.set(y, to);
    this.castFrom.set(y, x);
    return y;
  }

  /**
   * The model: only the nodes and initializers the outputs need (a lowering that replaces a weight,
   * as a quantized MatMul does, leaves the original unused, and it must not be stored).
   */
  model(): ModelInit {
    const producer = new Map<string, NodeInit>();
    for (const n of this.nodes) for (const y of n.outputs) producer.set(y, n);
    const needed = new Set<string>();
    const stack = this.outputs.map((o) => o.name);
    while (stack.length) {
      const v = stack.pop()!;
      if (needed.has(v)) continue;
      needed.add(v);
      stack.push(...(producer.get(v)?.inputs.filter((x) => x !== '') ?? []));
    }
    const nodes = this.nodes.filter((n) => n.outputs.some((y) => needed.has(y)));
    const domains = new Set(nodes.map((n) => n.domain).filter((d) => d !== undefined));
    const opsets = new Map([['', OPSET]]);
    if (domains.has(MS_DOMAIN)) opsets.set(MS_DOMAIN, 1);
    return {
      graph: { name: 'tunekit', nodes, initializers: this.initializers.filter((t) => needed.has(t.name)), inputs: this.inputs, outputs: this.outputs },
      opsets,
    };
  }

  encode(external?: ExternalWriter): Uint8Array {
    return encodeModel(this.model(), external);
  }
}
