import type { Tensor } from '@tunekit/core';
import { clamp, maskedMean } from './masked.js';

export interface PpoLossInputs {
  /** Per-token log-probs of the response under the policy being trained, [B, T]. */
  readonly logps: Tensor;
  /** The same at rollout time, [B, T]. */
  readonly oldLogps: Tensor;
  /** Whitened GAE advantages, [B, T]. */
  readonly advantages: Tensor;
  /** Value predictions of the model being trained, [B, T]. */
  readonly values: Tensor;
  /** Value predictions at rollout time, [B, T]. */
  readonly oldValues: Tensor;
  /** GAE returns (advantages + old values, before whitening), [B, T]. */
  readonly returns: Tensor;
  /** Response tokens up to and including the last one that counts (TRL's ~padding_mask), [B, T] f32. */
  readonly mask: Tensor;
  /** The value targets: the mask and one position more (TRL's ~padding_mask_p1), [B, T] f32. */
  readonly valueMask: Tensor;
}

export interface PpoLossOptions {
  readonly cliprange: number;
  readonly cliprangeValue: number;
  readonly vfCoef: number;
}

/**
 * PPO's clipped policy loss plus the clipped value loss, as TRL's PPOTrainer computes them:
 * pg = mean over tokens of max(−A·ρ, −A·clip(ρ, 1 ± cliprange)); vf = ½ · mean of
 * max((V − R)², (clip(V, V_old ± cliprange_value) − R)²); loss = pg + vf_coef · vf.
 */
export function ppoLoss(inputs: PpoLossInputs, options: PpoLossOptions): { loss: Tensor; metrics: Record<string, Tensor> } {
  const { advantages: a, mask, valueMask, returns } = inputs;
  const diff = inputs.logps.sub(inputs.oldLogps);
  const ratio = diff.exp();
  const pg1 = a.neg().mul(ratio);
  const pg2 = a.neg().mul(clamp(ratio, 1 - options.cliprange, 1 + options.cliprange));
  const pgLoss = maskedMean(pg1.maximum(pg2), mask);

  const vpred = inputs.values;
  const vclipped = clamp(vpred, inputs.oldValues.sub(options.cliprangeValue), inputs.oldValues.add(options.cliprangeValue));
  const vf1 = vpred.sub(returns).square();
  const vf2 = vclipped.sub(returns).square();
  const vfLoss = maskedMean(vf1.maximum(vf2), valueMask).mul(0.5);
  return {
    loss: pgLoss.add(vfLoss.mul(options.vfCoef)),
    metrics: {
      'loss/policy_avg': pgLoss.detach(),
      'loss/value_avg': vfLoss.detach(),
      'policy/clipfrac_avg': maskedMean(pg2.gt(pg1).float(), mask).detach(),
      'val/clipfrac_avg': maskedMean(vf2.gt(vf1).float(), valueMask).detach(),
      // TRL's 0.5·mean(Δ²) over every position; padded positions have Δ = 0 there.
      'policy/approxkl_avg': diff.mul(mask).square().mean().mul(0.5).detach(),
    },
  };
}
