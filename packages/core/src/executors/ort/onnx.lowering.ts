import { Graph } from '../../ir/graph.js';
import { decomposeComposites } from '../../tensor/decompose-composites.js';
import type { Node } from '../../ir/node.js';
import type { CompositeOp, OpOf } from '../../ir/ops.js';
import { OnnxBuilder } from './onnx.builder.js';
import { BOUNDARY, COMPUTE_ELEM } from './onnx.dtypes.js';
import { BINARY_LOWERINGS, TERNARY_LOWERINGS, UNARY_LOWERINGS } from './onnx.lowering.elementwise.js';
import { INDEXING_LOWERINGS, MATMUL_NORM_LOWERINGS, MOVEMENT_LOWERINGS, REDUCE_LOWERINGS, fusedMatmul4bit } from './onnx.lowering.tensor.js';
import { DECOMPOSED, type Lowering, type LoweredOp, type LoweringTable } from './onnx.lowering.types.js';

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

/** Composites ORT runs as one op; the rest (and 4-bit matmuls its fused kernel can't take) go in primitives. */
const keptWhole = (op: CompositeOp, node: Node): boolean =>
  !(DECOMPOSED as readonly string[]).includes(op) && (op !== 'matmul_4bit' || fusedMatmul4bit(node));

/**
 * Lowers a traced graph to an ONNX model. Inputs become graph inputs named as in the IR,
 * parameters `param_<k>` by position in `graph.params`; nothing is read from parameter data.
 */
export function lowerGraph(graph: Graph): LoweredModel {
  const b = new OnnxBuilder();
  const inputNames = new Set(graph.inputs.map((n) => n.attrs.name));
  for (const input of graph.inputs) b.feed(input, input.attrs.name);
  const paramNames = graph.params.map((p, k) => {
    let name = `param_${k}`;
    while (inputNames.has(name)) name = `_${name}`; // a user input may be called "param_0"
    b.feed(p, name);
    return name;
  });

  const outputs = decomposeComposites(graph.outputs, keptWhole);
  const values = new Map<Node, string>();
  for (const node of new Graph(outputs).nodes) {
    const lower = LOWERINGS[node.op as LoweredOp] as Lowering<LoweredOp> | undefined;
    if (!lower) throw new Error(`ort: no lowering for ${node}`);
    values.set(node, lower(b, node as Node<LoweredOp>, node.inputs.map((x) => values.get(x)!)));
  }

  const slotOf = new Map<Node, number>();
  const outputNames: string[] = [];
  const outputSlots = outputs.map((node) => {
    let slot = slotOf.get(node);
    if (slot === undefined) {
      const { elem } = BOUNDARY[node.dtype];
      let value = values.get(node)!;
      if (elem !== COMPUTE_ELEM[node.dtype]) value = b.castElem(value, elem);
      slot = outputNames.push(b.output(value, elem, node.shape)) - 1;
      slotOf.set(node, slot);
    }
    return slot;
  });
  return { bytes: b.encode(), paramNames, outputNames, outputSlots };
}
