import { rewrite } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import { type CompositeOp, opGroup } from '../ir/ops.js';
import { withScope } from '../ir/trace-context.js';
import { decompose } from './decompositions.js';
import { Tensor } from './tensor.js';

/** Replaces every composite op (or those `keep` rejects) by its decomposition into primitives. */
export function decomposeComposites(outputs: readonly Node[], keep: (op: CompositeOp, node: Node) => boolean = () => false): Node[] {
  return rewrite(outputs, (node, inputs) => {
    if (opGroup[node.op] !== 'composite' || keep(node.op as CompositeOp, node)) return undefined;
    const op = node.op as CompositeOp;
    return withScope(node.scope, () => decompose(op, inputs.map((x) => new Tensor(x)), node.attrs as never).node, true);
  });
}
