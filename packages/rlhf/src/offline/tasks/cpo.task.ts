import type { Batch, TaskOutput } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { meanNll, rowsOf } from '../../common/sequence-logps.js';
import type { CpoConfig } from '../config/cpo.config.js';
import type { OrpoConfig } from '../config/orpo.config.js';
import { type PolicyPairLogps, cpoLoss } from '../losses/cpo.losses.js';
import { orpoLoss } from '../losses/orpo.loss.js';
import { OfflineTask } from './offline.task.js';
import { preferenceMetrics } from './preference-metrics.js';
import { forwardLogps, rowInputs } from './row-inputs.js';

/** The policy's pair log-probs of a paired batch (chosen rows first), with the chosen NLL. */
function policyPairs(task: OfflineTask, batch: Batch) {
  const rows = rowInputs(batch, '', task.name);
  const b = rows.ids.dim(0) / 2;
  const { logits, s } = forwardLogps(task.model, rows);
  const pairs: PolicyPairLogps = {
    chosen: rowsOf(s.logps, 0, b),
    rejected: rowsOf(s.logps, b, b),
    chosenTokens: rowsOf(s.tokens, 0, b),
    rejectedTokens: rowsOf(s.tokens, b, b),
    chosenNll: meanNll(s, 0, b),
  };
  return { b, logits, s, pairs };
}

/** CPO and SimPO (TRL's CPOTrainer): reference-free, a pair loss plus `cpo_alpha`·NLL of the chosen rows. */
export class CpoTask extends OfflineTask {
  readonly name = 'cpo';

  constructor(
    model: CausalLM,
    readonly config: CpoConfig,
  ) {
    super(model, config.disable_dropout);
  }

  trace(batch: Batch): TaskOutput {
    const { b, logits, s, pairs } = policyPairs(this, batch);
    const c = this.config;
    const out = cpoLoss(pairs, { lossType: c.loss_type, beta: c.beta, labelSmoothing: c.label_smoothing, cpoAlpha: c.cpo_alpha, simpoGamma: c.simpo_gamma, alpha: c.alpha });
    const metrics = { ...preferenceMetrics(out, logits, s.mask), nll_loss: pairs.chosenNll.detach() };
    return { loss: out.loss, weight: b, metrics };
  }
}

/** ORPO (TRL's ORPOTrainer): NLL of the chosen rows minus λ·log σ(log odds ratio), no reference. */
export class OrpoTask extends OfflineTask {
  readonly name = 'orpo';

  constructor(
    model: CausalLM,
    readonly config: OrpoConfig,
  ) {
    super(model, config.disable_dropout);
  }

  trace(batch: Batch): TaskOutput {
    const { b, logits, s, pairs } = policyPairs(this, batch);
    const out = orpoLoss(pairs, this.config.beta);
    const metrics = { ...preferenceMetrics(out, logits, s.mask), nll_loss: pairs.chosenNll.detach(), log_odds_ratio: out.logOddsRatio, log_odds_chosen: out.logOddsChosen };
    return { loss: out.loss, weight: b, metrics };
  }
}
