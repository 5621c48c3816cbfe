import { topoSort } from '../ir/graph.js';
import { Parameter } from '../ir/parameter.js';
import { Tensor } from '../tensor/tensor.js';
import { zeros } from './grad-helpers.js';
import { backpropagate } from './backprop.js';
import { hasSegments, recomputeSegments } from './checkpoint.js';

/**
 * Gradients of a scalar `loss` with respect to parameters or traced tensors, as lazy tensors that
 * extend the same graph (compile `[loss, ...grads]` to run a whole training step at once).
 * A target the loss does not depend on gets zeros. Checkpoint segments in the forward graph are
 * recomputed in the backward graph rather than kept.
 */
export function grad(loss: Tensor, wrt: readonly (Tensor | Parameter)[]): Tensor[] {
  if (loss.rank !== 0) throw new Error(`grad: loss must be a scalar, got shape [${loss.shape}]`);
  const targets = wrt.map((w) => (w instanceof Parameter ? Tensor.param(w) : w));
  const seed = Tensor.scalar(1).cast(loss.dtype);
  const grads = backpropagate(loss, seed, targets).map((g, k) => g ?? zeros(targets[k].shape, targets[k]));
  const forward = new Set(topoSort([loss.node]));
  if (!hasSegments(forward)) return grads;
  return recomputeSegments(grads.map((g) => g.node), forward).map((n) => new Tensor(n));
}
