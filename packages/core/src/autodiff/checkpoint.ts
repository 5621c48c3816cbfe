import { Node } from '../ir/node.js';
import { rewrite } from '../ir/graph.js';

/**
 * Gradient checkpointing as a graph transform. Nodes traced inside `checkpointSegment` carry a
 * segment id; wherever the backward graph reads such a node, it reads a recomputed copy instead,
 * rebuilt from the segment's inputs: values from outside the segment (another segment's output,
 * parameters, nodes outside any segment) are read as the forward computed them and stay alive.
 * Recomputation stops at the segment's edge; were it to follow inputs into earlier segments, the
 * backward pass would rebuild the whole forward in one go and keep every layer's activations.
 * The forward pass can then free the segment's activations as soon as the forward is past them.
 */
export function recomputeSegments(backward: readonly Node[], forward: ReadonlySet<Node>): Node[] {
  const clones = new Map<Node, Node>();
  const recompute = (n: Node): Node => {
    if (n.segment === null || n.inputs.length === 0) return n;
    let c = clones.get(n);
    if (!c) {
      const inputs = n.inputs.map((i) => (i.segment === n.segment ? recompute(i) : i));
      c = new Node(n.op, inputs, n.attrs, n.shape, n.dtype, n.scope, null);
      clones.set(n, c);
    }
    return c;
  };
  return rewrite(backward, (node, inputs) => {
    if (forward.has(node)) return node;
    const swapped = inputs.map((i) => (forward.has(i) ? recompute(i) : i));
    if (swapped.every((x, k) => x === node.inputs[k])) return undefined;
    return new Node(node.op, swapped, node.attrs, node.shape, node.dtype, node.scope, null);
  });
}

/** Whether any node was traced inside a checkpoint segment. */
export function hasSegments(nodes: Iterable<Node>): boolean {
  for (const n of nodes) if (n.segment !== null) return true;
  return false;
}
