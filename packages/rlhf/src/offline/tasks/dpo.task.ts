import type { Batch, TaskOutput } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { meanNll, rowsOf } from '../../common/sequence-logps.js';
import type { DpoConfig } from '../config/dpo.config.js';
import { type PairedLogps, dpoLoss } from '../losses/dpo.losses.js';
import type { ReferencePolicy } from '../reference/reference-policy.js';
import { OfflineTask } from './offline.task.js';
import { preferenceMetrics } from './preference-metrics.js';
import { forwardLogps, rowInputs } from './row-inputs.js';
import { wpoWeights } from './wpo-weights.js';

/**
 * DPO and its family (TRL's DPOTrainer): one forward of the policy over the chosen rows (first
 * half of the batch) and the rejected rows (second half), the reference's log-probs of the same
 * rows, and the combined `loss_type` objective.
 */
export class DpoTask extends OfflineTask {
  readonly name = 'dpo';

  constructor(
    model: CausalLM,
    readonly config: DpoConfig,
    readonly reference: ReferencePolicy,
  ) {
    super(model, config.disable_dropout);
  }

  trace(batch: Batch): TaskOutput {
    const rows = rowInputs(batch, '', this.name);
    const b = rows.ids.dim(0) / 2;
    const { logits, s } = forwardLogps(this.model, rows);
    const ref = this.reference.logps(rows, batch);
    const half = (x: typeof ref, k: 0 | 1) => rowsOf(x, k * b, b);
    const weights = this.config.use_weighting ? wpoWeights(logits, s) : null;
    const logps: PairedLogps = {
      chosen: half(s.logps, 0),
      rejected: half(s.logps, 1),
      refChosen: half(ref, 0),
      refRejected: half(ref, 1),
      chosenTokens: half(s.tokens, 0),
      rejectedTokens: half(s.tokens, 1),
      ...(this.config.loss_type.includes('sft') ? { chosenNll: meanNll(s, 0, b) } : {}),
      ...(weights ? { pairWeights: half(weights, 0).mul(half(weights, 1)) } : {}),
    };
    const { beta } = this.config;
    const loss = dpoLoss(logps, { lossType: this.config.loss_type, lossWeights: this.config.loss_weights, beta, labelSmoothing: this.config.label_smoothing });
    const reward = (policy: typeof ref, reference: typeof ref) => policy.sub(reference).mul(beta).detach();
    const metrics = preferenceMetrics(
      { chosenRewards: reward(logps.chosen, logps.refChosen), rejectedRewards: reward(logps.rejected, logps.refRejected), chosenLogps: logps.chosen, rejectedLogps: logps.rejected },
      logits,
      s.mask,
    );
    return { loss, weight: b, metrics };
  }
}
