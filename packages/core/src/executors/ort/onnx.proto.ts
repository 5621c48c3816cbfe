import { ProtoWriter } from './protobuf.writer.js';

/**
 * Builders for the few ONNX messages a model needs. Field numbers follow onnx/onnx.proto
 * (IR version 10); a wrong one makes onnxruntime reject the model, which the tests would catch.
 */

/** TensorProto.DataType codes. */
export const ELEM = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, bfloat16: 16 } as const;
export type ElemType = keyof typeof ELEM;

export const IR_VERSION = 10;
export const OPSET = 20;
export const MS_DOMAIN = 'com.microsoft';

const F = {
  model: { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8 },
  opset: { domain: 1, version: 2 },
  graph: { node: 1, name: 2, initializer: 5, input: 11, output: 12 },
  node: { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 },
  attr: { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 },
  valueInfo: { name: 1, type: 2 },
  type: { tensorType: 1 },
  tensorType: { elemType: 1, shape: 2 },
  shape: { dim: 1 },
  dim: { value: 1, param: 2 },
  tensor: { dims: 1, dataType: 2, name: 8, rawData: 9, externalData: 13, dataLocation: 14 },
  entry: { key: 1, value: 2 },
} as const;

/** AttributeProto.AttributeType codes. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

export interface TensorInit {
  name: string;
  elem: ElemType;
  dims: readonly number[];
  /**
   * Little-endian element bytes (bool as one byte each), or a function that makes them when the
   * model is encoded: a weight is then converted (and dropped) one tensor at a time.
   */
  raw: Uint8Array | (() => Uint8Array);
}

/** Where an initializer's bytes went when they are stored beside the model (ONNX external data). */
export interface ExternalRef {
  /** The data file, relative to the model file. */
  location: string;
  offset: number;
  length: number;
}

export type Attr =
  | { kind: 'int'; value: number }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'float'; value: number }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'string'; value: string }
  | { kind: 'tensor'; value: TensorInit };

/** Attribute constructors: JS numbers do not say whether they are ints or floats. */
export const attr = {
  int: (value: number): Attr => ({ kind: 'int', value }),
  ints: (value: readonly number[]): Attr => ({ kind: 'ints', value }),
  float: (value: number): Attr => ({ kind: 'float', value }),
  floats: (value: readonly number[]): Attr => ({ kind: 'floats', value }),
  string: (value: string): Attr => ({ kind: 'string', value }),
  tensor: (value: TensorInit): Attr => ({ kind: 'tensor', value }),
};

export interface NodeInit {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  domain?: string;
  attrs?: Readonly<Record<string, Attr>>;
}

export interface ValueInfo {
  name: string;
  elem: ElemType;
  /** Fixed sizes, or names of dims that vary from run to run (ONNX dim_param). */
  dims: readonly (number | string)[];
}

export interface GraphInit {
  name: string;
  nodes: readonly NodeInit[];
  initializers: readonly TensorInit[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

export interface ModelInit {
  graph: GraphInit;
  /** domain → opset version; '' is ai.onnx. */
  opsets: ReadonlyMap<string, number>;
}

/** Stores an initializer's bytes outside the model and says where, or returns null to embed them. */
export type ExternalWriter = (t: TensorInit, raw: Uint8Array) => ExternalRef | null;

const rawOf = (t: TensorInit): Uint8Array => (typeof t.raw === 'function' ? t.raw() : t.raw);

function writeTensor(w: ProtoWriter, t: TensorInit, external?: ExternalWriter): void {
  if (t.dims.length) w.packedInts(F.tensor.dims, t.dims);
  w.int(F.tensor.dataType, ELEM[t.elem]).string(F.tensor.name, t.name);
  const raw = rawOf(t);
  const ref = external?.(t, raw);
  if (!ref) {
    w.bytes(F.tensor.rawData, raw);
    return;
  }
  const entries: [string, string][] = [['location', ref.location], ['offset', String(ref.offset)], ['length', String(ref.length)]];
  for (const [key, value] of entries) w.message(F.tensor.externalData, (e) => e.string(F.entry.key, key).string(F.entry.value, value));
  w.int(F.tensor.dataLocation, 1); // EXTERNAL
}

function writeAttr(w: ProtoWriter, name: string, a: Attr): void {
  w.string(F.attr.name, name).int(F.attr.type, ATTR_TYPE[a.kind]);
  switch (a.kind) {
    case 'int':
      w.int(F.attr.i, a.value);
      break;
    case 'ints':
      w.packedInts(F.attr.ints, a.value);
      break;
    case 'float':
      w.float(F.attr.f, a.value);
      break;
    case 'floats':
      w.packedFloats(F.attr.floats, a.value);
      break;
    case 'string':
      w.string(F.attr.s, a.value);
      break;
    case 'tensor':
      w.message(F.attr.t, (t) => writeTensor(t, a.value));
      break;
  }
}

function writeNode(w: ProtoWriter, n: NodeInit, index: number): void {
  for (const x of n.inputs) w.string(F.node.input, x);
  for (const y of n.outputs) w.string(F.node.output, y);
  w.string(F.node.name, `${n.opType}_${index}`).string(F.node.opType, n.opType);
  if (n.domain) w.string(F.node.domain, n.domain);
  for (const [name, a] of Object.entries(n.attrs ?? {})) w.message(F.node.attribute, (m) => writeAttr(m, name, a));
}

function writeValueInfo(w: ProtoWriter, v: ValueInfo): void {
  w.string(F.valueInfo.name, v.name);
  w.message(F.valueInfo.type, (type) =>
    type.message(F.type.tensorType, (tt) => {
      tt.int(F.tensorType.elemType, ELEM[v.elem]);
      // A scalar still needs an (empty) shape message: without one the rank is unknown.
      tt.message(F.tensorType.shape, (s) => {
        for (const d of v.dims) s.message(F.shape.dim, (dim) => (typeof d === 'number' ? dim.int(F.dim.value, d) : dim.string(F.dim.param, d)));
      });
    }),
  );
}

function writeGraph(w: ProtoWriter, g: GraphInit, external?: ExternalWriter): void {
  g.nodes.forEach((n, i) => w.message(F.graph.node, (m) => writeNode(m, n, i)));
  w.string(F.graph.name, g.name);
  for (const t of g.initializers) w.message(F.graph.initializer, (m) => writeTensor(m, t, external));
  for (const v of g.inputs) w.message(F.graph.input, (m) => writeValueInfo(m, v));
  for (const v of g.outputs) w.message(F.graph.output, (m) => writeValueInfo(m, v));
}

/**
 * Serialises a ModelProto. With `external`, initializers it takes are stored outside (ONNX
 * external data), so the protobuf stays small and no weight need be held once written.
 */
export function encodeModel(model: ModelInit, external?: ExternalWriter): Uint8Array {
  const w = new ProtoWriter();
  w.int(F.model.irVersion, IR_VERSION).string(F.model.producerName, 'tunekit').string(F.model.producerVersion, '0.1.0');
  w.message(F.model.graph, (g) => writeGraph(g, model.graph, external));
  for (const [domain, version] of model.opsets) {
    w.message(F.model.opsetImport, (o) => o.string(F.opset.domain, domain).int(F.opset.version, version));
  }
  return w.finish();
}
