import { type Batch, type Feeds, HostTensor, type RatioMetric, Tensor, type TaskOutput, type TaskPassContext, takeTracedFeeds } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { tokenEntropy } from '../../common/token-entropy.js';
import type { KtoConfig } from '../config/kto.config.js';
import { klEstimate, ktoLoss } from '../losses/kto.loss.js';
import type { ReferencePolicy } from '../reference/reference-policy.js';
import { OfflineTask } from './offline.task.js';
import { forwardLogps, rowInputs, vectorInput } from './row-inputs.js';

/** The KL half of an unpaired batch: prompt i with another row's completion (the rlhf contract's `kl_*` tensors). */
export const KL_PREFIX = 'kl_';

/** The fed scalar of a `kto` batch: its KL estimate averaged over ranks, before the loss clamps it. */
const KL_ESTIMATE = 'kto_kl_estimate';

/** A mean over the rows `w` selects, as a ratio: a batch without such rows reports nothing rather than 0. */
const meanWhere = (x: Tensor, w: Tensor): RatioMetric => ({ sum: x.mul(w).sum(), count: w.sum() });

/**
 * KTO (TRL's KTOTrainer): unpaired completions labelled desirable (1) or undesirable (0), the
 * policy's and the reference's log-probs of each, and the KL estimate from the mismatched rows.
 * Its chosen and rejected metrics (`rewards/chosen`, ...) are ratios over the rows of that kind: as in TRL 1.9, a
 * batch without desirable (undesirable) rows adds no value to them rather than a 0. `entropy` is a ratio
 * over the completion tokens of all rows, as TRL 1.9 gathers its sum and token count across ranks.
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

  /**
   * The `kto` loss's KL estimate, scored in a forward pass of its own (TRL scores the mismatched rows
   * without gradient) and averaged over ranks before the loss clamps it, as TRL 1.9's
   * KTOTrainer._compute_loss does (`gather_for_metrics(kl).mean().clamp(min=0)`): every rank's loss
   * uses the same z, and N ranks train as one process with their rows in one batch.
   */
  async prepare(batch: Batch, { executor, comm }: TaskPassContext): Promise<Feeds> {
    if (this.config.loss_type !== 'kto') return {};
    const kl = rowInputs(batch, KL_PREFIX, this.name);
    const estimate = klEstimate(forwardLogps(this.model, kl).s.logps, this.reference.logps(kl, batch));
    const [value] = await executor.compile([estimate]).run({ ...batch.tensors, ...takeTracedFeeds() });
    const sum = Float64Array.of(value.item());
    await comm.allReduceSum(sum);
    return { [KL_ESTIMATE]: HostTensor.f32([], [sum[0] / comm.size]) };
  }

  trace(batch: Batch): TaskOutput {
    const rows = rowInputs(batch, '', this.name);
    const label = vectorInput(batch, 'label', this.name);
    const { logits, s } = forwardLogps(this.model, rows);
    const c = this.config;
    const out = ktoLoss(
      {
        logps: s.logps,
        refLogps: this.reference.logps(rows, batch),
        label,
        ...(c.loss_type === 'kto' ? { klEstimate: Tensor.input(KL_ESTIMATE, []) } : {}),
      },
      { lossType: c.loss_type, beta: c.beta, desirableWeight: c.desirable_weight, undesirableWeight: c.undesirable_weight },
    );
    const undesirable = label.neg().add(1);
    // Per-position mean logits, summed over the completion tokens of the desirable (undesirable) rows, over their count.
    const positionLogit = logits.mean(-1).detach().mul(s.mask).sum(1);
    const tokens = s.mask.sum(1);
    const rowsLogit = (w: Tensor): RatioMetric => ({ sum: positionLogit.mul(w).sum(), count: tokens.mul(w).sum() });
    const metrics = {
      kl: out.kl,
      // TRL 1.9's `entropy`: the policy's next-token entropy, summed over every row's completion positions, over their count.
      entropy: { sum: tokenEntropy(logits.detach()).mul(s.mask).sum(), count: s.mask.sum() },
      'rewards/chosen': meanWhere(out.rewards, label),
      'rewards/rejected': meanWhere(out.rewards, undesirable),
      'logps/chosen': meanWhere(s.logps.detach(), label),
      'logps/rejected': meanWhere(s.logps.detach(), undesirable),
      'logits/chosen': rowsLogit(label),
      'logits/rejected': rowsLogit(undesirable),
    };
    return { loss: out.loss, weight: rows.ids.dim(0), metrics };
  }

  /** TRL's `rewards/margins`: only in a batch (over every rank) that has both desirable and undesirable rows. */
  batchMetrics(values: Readonly<Record<string, number>>): Record<string, number> {
    const [chosen, rejected] = [values['rewards/chosen'], values['rewards/rejected']];
    return chosen === undefined || rejected === undefined ? {} : { 'rewards/margins': chosen - rejected };
  }
}
