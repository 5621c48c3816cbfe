import { createHash } from 'node:crypto';
import { type DType, toFloat32 } from '../../dtype.js';
import type { HostTensor } from '../../host-tensor.js';
import type { Node } from '../../ir/node.js';
import { BOUNDARY, COMPUTE_ELEM, HALF_ELEM } from './onnx.dtypes.js';
import {
  type Attr,
  ELEM,
  type ElemType,
  MS_DOMAIN,
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
  private readonly domains = new Set<string>();
  private readonly fed = new Map<Node, string>();
  /** Element types of graph inputs and Cast outputs, and each Cast's input: for folding cast chains. */
  private readonly elemOf = new Map<string, ElemType>();
  private readonly castFrom = new Map<string, string>();
  private counter = 0;

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
    const outputs = Array.from({ length: opts.outputs ?? 1 }, () => this.fresh());
    if (opts.domain) this.domains.add(opts.domain);
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

  input(name: string, elem: ElemType, dims: readonly number[]): string {
    this.inputs.push({ name: this.claim(name), elem, dims });
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
    const x = this.input(name, boundary, node.shape);
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

  /** Marks `value` as a graph output; returns the output's name (an Identity when `value` cannot be one). */
  output(value: string, elem: ElemType, dims: readonly number[]): string {
    const name = this.leaves.has(value) || this.outputs.some((o) => o.name === value) ? this.op1('Identity', [value]) : value;
    this.outputs.push({ name, elem, dims });
    return name;
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

  encode(): Uint8Array {
    const opsets = new Map([['', OPSET]]);
    if (this.domains.has(MS_DOMAIN)) opsets.set(MS_DOMAIN, 1);
    return encodeModel({
      graph: { name: 'tunekit', nodes: this.nodes, initializers: this.initializers, inputs: this.inputs, outputs: this.outputs },
      opsets,
    });
  }
}
