import type { Parameter } from '../ir/parameter.js';

/**
 * Sums gradients of several micro-batches into `param.grad` before one optimizer step (gradient accumulation).
 *
 * To make N micro-batches equivalent to one batch of N times the size under a mean-reduced loss, each micro-batch
 * loss must be divided by N, as HF Trainer does (`loss / gradient_accumulation_steps`). The trainer either divides
 * the loss before backward and adds with `scale = 1`, or adds the unscaled micro-batch grads with `scale = 1 / N`;
 * the two are equivalent. (With micro-batches of unequal token counts the per-batch mean no longer composes to the
 * global mean; weighting by token count is the caller's business.)
 *
 * The typical loop: `add` for every (param, grad) of every micro-batch, then clip, `optimizer.step()`,
 * `optimizer.zeroGrad()` (or `accumulator.zeroGrad()`).
 */
export class GradAccumulator {
  private readonly seen = new Set<Parameter>();

  /**
   * `param.grad += scale * grad`. The first add allocates a fresh grad array rather than keeping `grad`, because
   * backward outputs may be reused buffers. Frozen parameters (`requiresGrad` false) are ignored, as autograd never
   * accumulates into them.
   */
  add(param: Parameter, grad: Float32Array, scale = 1): void {
    if (!param.requiresGrad) return;
    if (grad.length !== param.size) {
      throw new Error(`GradAccumulator: grad for ${param.name || `#${param.id}`} has ${grad.length} elements, parameter has ${param.size}`);
    }
    const acc = param.grad;
    if (acc === null) {
      const fresh = new Float32Array(grad.length);
      for (let i = 0; i < fresh.length; i++) fresh[i] = scale * grad[i];
      param.grad = fresh;
    } else {
      for (let i = 0; i < acc.length; i++) acc[i] += scale * grad[i];
    }
    this.seen.add(param);
  }

  addAll(entries: Iterable<readonly [Parameter, Float32Array]>, scale = 1): void {
    for (const [param, grad] of entries) this.add(param, grad, scale);
  }

  /** Parameters that received a grad since the last `zeroGrad`. */
  get params(): Parameter[] {
    return [...this.seen];
  }

  /** Sets the grads accumulated through this accumulator back to null. */
  zeroGrad(): void {
    for (const p of this.seen) p.zeroGrad();
    this.seen.clear();
  }
}
