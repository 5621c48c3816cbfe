import { Tensor } from '@tunekit/core';

/**
 * transformers' `load_balancing_loss_func` (Switch Transformer, eqs. 4–6): over every MoE layer's
 * router logits concatenated ([L·N, E], N = B·T tokens, layer-major), E · Σₖₑ f[k, e] · P[e], where
 * f[k, e] is the fraction of tokens whose k-th choice is expert e and P[e] the mean router
 * probability of e. With an attention mask [B, T] both are averaged over the unmasked tokens only.
 * The gradient reaches the routers through P (the choices are indices and carry none).
 */
export function loadBalancingLoss(routerLogits: readonly Tensor[], experts: number, topK: number, attentionMask?: Tensor | null): Tensor {
  if (routerLogits.length === 0) throw new Error('loadBalancingLoss: no router logits (the model has no mixture-of-experts layer)');
  const logits = Tensor.concat(routerLogits.map((l) => l.float()), 0);
  const probs = logits.softmax(-1);
  const [, chosen] = probs.topk(topK, -1);
  const oneHot = chosen.unsqueeze(-1).eq(Tensor.arange(experts)).cast('f32'); // [L·N, k, E]
  if (!attentionMask) {
    return oneHot.mean(0).mul(probs.mean(0).unsqueeze(0)).sum().mul(experts);
  }
  const tokens = logits.dim(0) / routerLogits.length;
  if (attentionMask.rank !== 2 || attentionMask.shape[0] * attentionMask.shape[1] !== tokens) {
    throw new Error(`loadBalancingLoss: the attention mask must be [B, T] for the ${tokens} routed tokens per layer, got [${attentionMask.shape.join(', ')}]`);
  }
  const keep = attentionMask.ne(0).cast('f32').reshape([1, tokens]).expand([routerLogits.length, tokens]).reshape([-1, 1]); // [L·N, 1]
  const count = keep.sum();
  const tokensPerExpert = oneHot.mul(keep.unsqueeze(-1)).sum(0).div(count); // [k, E]
  const probPerExpert = probs.mul(keep).sum(0).div(count); // [E]
  return tokensPerExpert.mul(probPerExpert.unsqueeze(0)).sum().mul(experts);
}
