import { isFloat } from '../dtype.js';
import { topoSort } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Op } from '../ir/ops.js';
import { withScope, withoutSegments } from '../ir/trace-context.js';
import { Tensor } from '../tensor/tensor.js';
import { GRAD_RULES, type GradRule } from './rules.js';

/** Nodes whose value depends on one of `sources` (only these carry gradients). */
function reachable(order: readonly Node[], sources: ReadonlySet<Node>): Set<Node> {
  const reach = new Set<Node>();
  for (const n of order) {
    if (!isFloat(n.dtype)) continue;
    if (sources.has(n) || n.inputs.some((i) => reach.has(i))) reach.add(n);
  }
  return reach;
}

/**
 * Reverse-mode differentiation of `out` (seeded with `seed`, same shape) with respect to `wrt`.
 * Only nodes on a path from some `wrt` to `out` are differentiated, so frozen weights and inputs
 * cost no backward work. Returns null for a `wrt` that `out` does not depend on.
 */
export function backpropagate(out: Tensor, seed: Tensor, wrt: readonly Tensor[]): (Tensor | null)[] {
  if (seed.shape.join() !== out.shape.join()) {
    throw new Error(`backpropagate: seed shape [${seed.shape}] differs from output [${out.shape}]`);
  }
  const order = topoSort([out.node]);
  const sources = new Set(wrt.map((t) => t.node));
  const reach = reachable(order, sources);
  const grads = new Map<Node, Tensor>();
  if (reach.has(out.node)) grads.set(out.node, seed);

  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i];
    const g = grads.get(node);
    // A target is a leaf of this differentiation even when it was computed: what it was computed
    // from is outside the question (and, for a composite's local gradient, the whole model).
    if (!g || node.inputs.length === 0 || sources.has(node)) continue;
    if (!node.inputs.some((x) => reach.has(x))) continue;
    const rule = GRAD_RULES[node.op] as GradRule<Op>;
    const contributions = withScope(
      node.scope,
      () =>
        withoutSegments(() =>
          rule(g, { node, attrs: node.attrs, x: node.inputs.map((x) => new Tensor(x)), out: new Tensor(node) }),
        ),
      true,
    );
    node.inputs.forEach((input, k) => {
      const c = contributions[k];
      if (!c || !reach.has(input)) return;
      if (c.shape.join() !== input.shape.join()) {
        throw new Error(`gradient rule of ${node.op} gave [${c.shape}] for input ${k} of shape [${input.shape}]`);
      }
      const prev = grads.get(input);
      grads.set(input, prev ? prev.add(c) : c);
    });
  }
  return wrt.map((t) => grads.get(t.node) ?? null);
}
