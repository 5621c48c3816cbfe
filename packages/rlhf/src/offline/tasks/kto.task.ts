import type { Batch, Tensor, TaskOutput } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import type { KtoConfig } from '../config/kto.config.js';
import { ktoLoss } from '../losses/kto.loss.js';
import type { ReferencePolicy } from '../reference/reference-policy.js';
import { OfflineTask } from './offline.task.js';
import { forwardLogps, rowInputs, vectorInput } from './row-inputs.js';

/** The KL half of an unpaired batch: prompt i with another row's completion (the rlhf contract's `kl_*` tensors). */
export const KL_PREFIX = 'kl_';

/** Σ x·w / max(Σ w, 1): a mean over the rows `w` selects (0 when it selects none). */
const meanWhere = (x: Tensor, w: Tensor): Tensor => x.mul(w).sum().div(w.sum().maximum(1));

/**
 * KTO (TRL's KTOTrainer): unpaired completions labelled desirable (1) or undesirable (0), the
 * policy's and the reference's log-probs of each, and the KL estimate from the mismatched rows.
 */
export class KtoTask extends OfflineTask {
  readonly name = 'kto';

  constructor(
    model: CausalLM,
    readonly config: KtoConfig,
    readonly reference: ReferencePolicy,
  ) {
    super(model, config.disable_dropout);
  }

  trace(batch: Batch): TaskOutput {
    const rows = rowInputs(batch, '', this.name);
    const label = vectorInput(batch, 'label', this.name);
    const { logits, s } = forwardLogps(this.model, rows);
    const kl = this.config.loss_type === 'kto' ? rowInputs(batch, KL_PREFIX, this.name) : null;
    const c = this.config;
    const out = ktoLoss(
      {
        logps: s.logps,
        refLogps: this.reference.logps(rows, batch),
        label,
        ...(kl ? { klLogps: forwardLogps(this.model, kl).s.logps, refKlLogps: this.reference.logps(kl, batch) } : {}),
      },
      { lossType: c.loss_type, beta: c.beta, desirableWeight: c.desirable_weight, undesirableWeight: c.undesirable_weight },
    );
    const undesirable = label.neg().add(1);
    const [chosenReward, rejectedReward] = [meanWhere(out.rewards, label), meanWhere(out.rewards, undesirable)];
    // Per-position mean logits over the completion tokens of the desirable (undesirable) rows.
    const positionLogit = logits.mean(-1).detach().mul(s.mask);
    const rowsLogit = (w: Tensor) => positionLogit.sum(1).mul(w).sum().div(s.mask.sum(1).mul(w).sum().maximum(1));
    const metrics = {
      kl: out.kl,
      'rewards/chosen': chosenReward,
      'rewards/rejected': rejectedReward,
      'rewards/margins': chosenReward.sub(rejectedReward),
      'logps/chosen': meanWhere(s.logps.detach(), label),
      'logps/rejected': meanWhere(s.logps.detach(), undesirable),
      'logits/chosen': rowsLogit(label),
      'logits/rejected': rowsLogit(undesirable),
    };
    return { loss: out.loss, weight: rows.ids.dim(0), metrics };
  }
}
