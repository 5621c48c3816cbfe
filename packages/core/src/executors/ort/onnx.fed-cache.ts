import { rewrite } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import type { OpAttrs } from '../../ir/ops.js';
import { withScope } from '../../ir/trace-context.js';
import { attentionOverParts } from '../../tensor/decompositions.js';
import { Tensor } from '../../tensor/tensor.js';

/** The parts of `node` if it concatenates along `axis`, else null. */
const concatParts = (node: Node | undefined, axis: number): readonly Node[] | null =>
  node?.op === 'concat' && (node.attrs as OpAttrs<'concat'>).axis === axis ? node.inputs : null;

/** slice(concat(parts), axis) inside one part → the same slice of that part: no concatenation to read from. */
function sliceOfOnePart(node: Node, [x]: Node[]): Node | undefined {
  const { axes, starts, ends, steps } = node.attrs as OpAttrs<'slice'>;
  const parts = axes.length === 1 && steps[0] === 1 ? concatParts(x, axes[0]) : null;
  if (!parts) return undefined;
  let offset = 0;
  for (const part of parts) {
    const size = part.shape[axes[0]];
    if (starts[0] >= offset && ends[0] <= offset + size) return new Tensor(part).slice(axes[0], starts[0] - offset, ends[0] - offset).node;
    offset += size;
  }
  return undefined;
}

/** attention over [fed cache ‖ new] keys and values → each part scored apart (`attentionOverParts`). */
function attentionOverFedCache(node: Node, [q, k, v, mask]: Node[]): Node | undefined {
  const [keys, values] = [concatParts(k, 2), concatParts(v, 2)];
  // Only where the keys start with a graph input: a cache fed to a decode step is never
  // differentiated, whereas a trained prefix (prefix tuning) is, and its backward recomputes the
  // attention over the concatenation; a different forward there would lose ORT's sharing of the two.
  if (!keys || !values || keys[0].op !== 'input' || keys.length !== values.length) return undefined;
  if (keys.some((part, i) => part.shape[2] !== values[i].shape[2])) return undefined;
  const t = (n: Node) => new Tensor(n);
  return attentionOverParts(t(q), keys.map(t), values.map(t), mask && t(mask), node.attrs as OpAttrs<'attention'>).node;
}

const REWRITES: Partial<Record<Node['op'], (node: Node, inputs: Node[]) => Node | undefined>> = {
  slice: sliceOfOnePart,
  attention: attentionOverFedCache,
};

/**
 * Rewrites what a decode step over a fed key/value cache would otherwise copy every step: the
 * model concatenates the cache and the new token's keys and values (its `present`, which an
 * exported model returns whole), attends over that, and the step keeps only the new slot. Here the
 * attention reads the cache and the new keys apart, and the new slot is taken from the new keys,
 * so the concatenation is left without a reader and is never computed. Values are the same up to
 * float rounding (the weighted sum over the values adds the cache's share and the new one's).
 */
export function rewriteFedCache(outputs: readonly Node[]): Node[] {
  return rewrite(outputs, (node, inputs) => {
    const rule = REWRITES[node.op];
    return rule && withScope(node.scope, () => rule(node, inputs), true);
  });
}
