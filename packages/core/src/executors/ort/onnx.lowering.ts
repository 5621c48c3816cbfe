import { Graph } from '../../ir/graph.js';
import { decomposeComposites } from '../../tensor/decompose-composites.js';
import type { Node } from '../../ir/node.js';
import type { CompositeOp, OpOf } from '../../ir/ops.js';
import { OnnxBuilder, type StoredWeight } from './onnx.builder.js';
import { DynamicDims } from './onnx.dynamic-dims.js';
import { rewriteFedCache } from './onnx.fed-cache.js';
import type { ExternalWriter } from './onnx.proto.js';
import { BOUNDARY, COMPUTE_ELEM } from './onnx.dtypes.js';
import { BINARY_LOWERINGS, TERNARY_LOWERINGS, UNARY_LOWERINGS } from './onnx.lowering.elementwise.js';
import { INDEXING_LOWERINGS, MATMUL_NORM_LOWERINGS, MOVEMENT_LOWERINGS, REDUCE_LOWERINGS, fusedMatmul4bit, fusedMatmulNbits } from './onnx.lowering.tensor.js';
import { DECOMPOSED, type DecomposedOp, type Lowering, type LoweredOp, type LoweringTable } from './onnx.lowering.types.js';

const LEAF_LOWERINGS: LoweringTable<OpOf<'leaf'>> = {
  input: (b, n) => b.fedValue(n),
  param: (b, n) => b.fedValue(n),
  const: (b, n) => b.constant(n.attrs.value),
};

/** One lowering per IR op that reaches ONNX (the composites in DECOMPOSED are rewritten first). */
export const LOWERINGS: LoweringTable<LoweredOp> = {
  ...LEAF_LOWERINGS,
  ...UNARY_LOWERINGS,
  ...BINARY_LOWERINGS,
  ...TERNARY_LOWERINGS,
  ...REDUCE_LOWERINGS,
  ...MOVEMENT_LOWERINGS,
  ...INDEXING_LOWERINGS,
  ...MATMUL_NORM_LOWERINGS,
};

export interface LoweredModel {
  /** A serialised ModelProto. */
  bytes: Uint8Array;
  /** The graph input of each parameter, by position in `graph.params`. */
  paramNames: string[];
  /** ONNX output names, one per distinct output node. */
  outputNames: string[];
  /** For each output given to compile, its index in `outputNames`. */
  outputSlots: number[];
}

/** Another trace of the same program, at other sizes (see `DynamicDims`). */
export interface SizedTrace {
  readonly graph: Graph;
  readonly sizes: Readonly<Record<string, number>>;
}

/** How a graph becomes a stand-alone model (an export) rather than an executor's program. */
export interface LowerOptions {
  /** ONNX names of the graph's outputs, by position (each output node listed once). */
  outputNames?: readonly string[];
  /** Stores each parameter in the model as the initializer this describes, instead of feeding it. */
  weights?: (node: Node<'param'>) => StoredWeight;
  /** Composites lowered whole by these lowerings, instead of through their decomposition. */
  whole?: Partial<LoweringTable<DecomposedOp>>;
  /** Lowers a node itself where it returns a value (a quantized MatMul); null leaves it to LOWERINGS. */
  override?: (b: OnnxBuilder, node: Node, x: readonly string[]) => string | null;
  /** The sizes this graph was traced at, and traces at other sizes: what differs becomes run-time dims. */
  dynamic?: { readonly sizes: Readonly<Record<string, number>>; readonly others: readonly SizedTrace[] };
}

/** A lowered graph, encoded on demand (so initializers can be streamed out as external data). */
export interface LoweredGraph extends Omit<LoweredModel, 'bytes'> {
  encode(external?: ExternalWriter): Uint8Array;
}

/** Composites ORT runs as one op only where its fused kernel takes the node's attributes. */
const FUSED_WHEN: Partial<Record<CompositeOp, (node: Node) => boolean>> = { matmul_4bit: fusedMatmul4bit, matmul_nbits: fusedMatmulNbits };

/** Composites ORT runs as one op; the rest (and quantized matmuls its fused kernels can't take) go in primitives. */
const keptWhole = (op: CompositeOp, node: Node): boolean => !(DECOMPOSED as readonly string[]).includes(op) && (FUSED_WHEN[op]?.(node) ?? true);

/**
 * Lowers a traced graph to an ONNX model. Inputs become graph inputs named as in the IR,
 * parameters `param_<k>` by position in `graph.params`; nothing is read from parameter data.
 */
export function lowerGraph(graph: Graph): LoweredModel {
  const { encode, ...names } = lowerToOnnx(graph);
  return { bytes: encode(), ...names };
}

/** Like `lowerGraph`, with the options an export needs (named outputs, stored weights, varying sizes). */
export function lowerToOnnx(graph: Graph, opts: LowerOptions = {}): LoweredGraph {
  const whole = opts.whole ?? {};
  const keep = (op: CompositeOp, node: Node) => op in whole || keptWhole(op, node);
  // An attention lowered whole (an export's) keeps the graph as traced: its `present` outputs are the concatenations.
  const prepare = (outputs: readonly Node[]) => decomposeComposites('attention' in whole ? outputs : rewriteFedCache(outputs), keep);
  const outputs = prepare(graph.outputs);
  const nodes = new Graph(outputs).nodes;
  const dynamic = opts.dynamic && new DynamicDims([{ nodes, sizes: opts.dynamic.sizes }, ...opts.dynamic.others.map((t) => ({ nodes: new Graph(prepare(t.graph.outputs)).nodes, sizes: t.sizes }))]);
  const b = new OnnxBuilder({ dynamic });
  const inputNames = new Set(graph.inputs.map((n) => n.attrs.name));
  for (const input of graph.inputs) b.feed(input, input.attrs.name);
  const paramNames = opts.weights
    ? []
    : graph.params.map((p, k) => {
        let name = `param_${k}`;
        while (inputNames.has(name)) name = `_${name}`; // a user input may be called "param_0"
        b.feed(p, name);
        return name;
      });

  const values = new Map<Node, string>();
  for (const node of nodes) {
    const x = node.inputs.map((i) => values.get(i)!);
    const own = opts.override?.(b, node, x) ?? null;
    if (own !== null) {
      values.set(node, own);
      continue;
    }
    if (node.op === 'param' && opts.weights) {
      values.set(node, b.weight(node as Node<'param'>, opts.weights(node as Node<'param'>)));
      continue;
    }
    const lower = (whole[node.op as DecomposedOp] ?? LOWERINGS[node.op as LoweredOp]) as Lowering<LoweredOp> | undefined;
    if (!lower) throw new Error(`ort: no lowering for ${node}`);
    values.set(node, lower(b, node as Node<LoweredOp>, x));
  }

  const slotOf = new Map<Node, number>();
  const outputNames: string[] = [];
  const outputSlots = outputs.map((node) => {
    let slot = slotOf.get(node);
    if (slot === undefined) {
      const { elem } = BOUNDARY[node.dtype];
      let value = values.get(node)!;
      if (elem !== COMPUTE_ELEM[node.dtype]) value = b.castElem(value, elem);
      slot = outputNames.push(b.output(value, elem, b.dimsOf(node), opts.outputNames?.[outputNames.length])) - 1;
      slotOf.set(node, slot);
    }
    return slot;
  });
  return { encode: (external) => b.encode(external), paramNames, outputNames, outputSlots };
}
