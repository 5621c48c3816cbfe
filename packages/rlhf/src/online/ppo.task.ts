import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Batch, HostTensor, type ModelCheckpointer, type Parameter, type Task, type Tensor, TrainableParametersCheckpointer, mixSeed } from '@tunekit/core';
import type { PromptRecord } from '@tunekit/data';
import type { SequenceClassificationModel } from '@tunekit/models';
import { splitRollout } from './online-batches.js';
import type { OnlineContext } from './online-context.js';
import { LENGTH_MULTIPLE, OnlineTask, inputOf } from './online-task.base.js';
import { samplingSettings } from './online.config.js';
import type { PolicyForward, RolloutInputs } from './policy-logps.js';
import type { PpoConfig } from './ppo.config.js';
import { ppoLoss } from './ppo.loss.js';
import { type PpoTargets, ppoTargets, sequenceLength, truncate } from './ppo-targets.js';
import { scoreRows } from './reward-model.source.js';
import { sampleRollout } from './rollout.js';
import { rolloutRows } from './rollout-rows.js';
import { rowValues } from './value-model.js';
import { FULL_ROWS_LAYOUT } from './full-rows.layout.js';
import type { RolloutLayout } from './rollout-layout.js';

/** PPO's two models besides the policy. */
export interface PpoModels {
  /** Scores each response; frozen. */
  readonly reward: SequenceClassificationModel;
  /** Per-token values; trained in full beside the policy (whatever the policy's method), as TRL trains it. */
  readonly value: SequenceClassificationModel;
  /** With `score_at: turn_end`: the ids the reward model's chat template prints after an assistant turn's end (`turnEndIds`). */
  readonly turnEnd?: readonly number[];
}

/** The value model's parameters are listed (and optimised, and checkpointed) under this prefix. */
export const VALUE_PREFIX = 'value_model.';
/** A checkpoint's value model weights: `value_model/model.safetensors`. */
const VALUE_DIR = 'value_model';

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const rowSum = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0);

/**
 * PPO as TRL 1.9's PPOTrainer runs it. Each rollout samples one response per prompt; the policy
 * (at rollout time), the reference, the value model and the reward model score it; the per-token
 * rewards (−kl_coef·KL, plus the score at the response's end), GAE advantages and returns are
 * computed on the host (`ppoTargets`); then `num_ppo_epochs` passes, each over a fresh shuffle
 * split into `num_mini_batches` mini-batches of `gradient_accumulation_steps` micro-batches, minimise
 * the clipped policy loss plus `vf_coef` times the clipped value loss. As in TRL, dropout is off in
 * every model.
 *
 * All per-token arrays live in the update's row layout [N, L]: position p holds what concerns
 * response token p + 1 (its log-prob, the value of the state before it), so response token t of a
 * row whose prompt has P tokens sits at P − 1 + t.
 */
export class PpoTask extends OnlineTask<PpoConfig> implements Task {
  readonly name = 'ppo';
  protected override readonly entropyMetric = 'policy/entropy_avg';

  constructor(
    ctx: OnlineContext,
    config: PpoConfig,
    private readonly models: PpoModels,
  ) {
    super(ctx, { ...config, steps_per_generation: config.num_mini_batches * ctx.training.gradient_accumulation_steps });
    const vocab = ctx.model.config.vocab;
    for (const [role, m] of [['reward', models.reward], ['value', models.value]] as const) {
      if (m.config.vocab !== vocab) throw new Error(`ppo: the ${role} model reads the policy's token ids (TRL's PPOTrainer shares one tokenizer), but its vocabulary has ${m.config.vocab} tokens and the policy's ${vocab}`);
    }
    if (config.score_at === 'turn_end' && !models.turnEnd) throw new Error('ppo: score_at turn_end needs the ids the reward model\'s chat template prints after a turn (turnEndIds)');
    models.reward.freeze();
    models.value.unfreeze();
  }

  override *namedParameters(): Iterable<readonly [string, Parameter]> {
    yield* this.ctx.model.namedParameters();
    for (const [name, p] of this.models.value.namedParameters()) yield [`${VALUE_PREFIX}${name}`, p];
  }

  /** TRL disables dropout in the policy, reference, value and reward models for PPO. */
  override setTraining(): void {
    this.ctx.model.train(false);
    this.models.value.train(false);
  }

  /** Checkpoints also hold the value model, which the method's checkpointer does not know. */
  override wrapCheckpointer(inner: ModelCheckpointer): ModelCheckpointer {
    const withBuffer = super.wrapCheckpointer(inner);
    const value = new TrainableParametersCheckpointer(this.models.value);
    return {
      save: async (dir) => {
        await withBuffer.save(dir);
        await mkdir(join(dir, VALUE_DIR), { recursive: true });
        await value.save(join(dir, VALUE_DIR));
      },
      load: async (dir) => {
        await withBuffer.load(dir);
        await value.load(join(dir, VALUE_DIR));
      },
    };
  }

  protected async produce(prompts: readonly PromptRecord[], seed: number): Promise<Batch[]> {
    const { config, ctx } = this;
    if (prompts.some((p) => p.promptIds.length === 0)) throw new Error('ppo: a prompt has no tokens; the first response token needs a position to be predicted from');
    const rollout = await sampleRollout(ctx, prompts.map((p) => p.promptIds), 1, samplingSettings(config), seed);
    const scoringStarted = performance.now();
    const rows = rolloutRows(rollout, { maskTruncated: false, multiple: LENGTH_MULTIPLE });
    const laidOut = this.layOut(rollout, rows);
    const [n, length] = rows.inputIds.shape;
    const pad = rollout.padTokenId;
    const eos = ctx.tokenizer?.eosTokenId ?? rollout.eosTokenIds[0];
    const stopTokenId = config.stop_token === 'eos' ? eos : config.stop_token_id;

    // Responses right-padded to the longest, as generate returns them.
    const width = Math.max(1, ...rollout.completionIds.map((c) => c.length));
    const responses = rollout.completionIds.map((c) => [...c, ...new Array<number>(width - c.length).fill(pad)]);
    const starts = rollout.promptIds.map((p) => p.length - 1);
    const gather = (t: HostTensor<'f32'>) => responses.map((_, b) => Array.from({ length: width }, (_, k) => (starts[b] + k < length ? t.data[b * length + starts[b] + k] : 0)));
    const scatter = (perToken: readonly (readonly number[])[]) => {
      const out = HostTensor.zeros('f32', [n, length]);
      perToken.forEach((row, b) => row.forEach((v, k) => starts[b] + k < length && (out.data[b * length + starts[b] + k] = v)));
      return out;
    };

    const logps = await this.logpsOf(laidOut);
    const refLogps = ctx.reference ? await this.logpsOf(laidOut, ctx.reference) : logps;
    const values = await rowValues(this.models.value, ctx.executor, rows, config.local_rollout_forward_batch_size);
    // The reward model reads prompt + response cut after the stop token, up to its last counting token;
    // with score_at turn_end, a conversational turn that ended goes on with what its template prints next.
    const stop = { stopTokenId, padTokenId: pad };
    const turnEnd = config.score_at === 'turn_end' ? (this.models.turnEnd ?? []) : [];
    const scored = responses.map((r, b) => {
      const cut = truncate(r, stop);
      const kept = cut.slice(0, sequenceLength(cut, stop) + 1);
      const ended = kept[kept.length - 1] === stopTokenId && typeof prompts[b].prompt !== 'string';
      return [...rollout.promptIds[b], ...kept, ...(ended ? turnEnd : [])];
    });
    const scores = await scoreRows(this.models.reward, ctx.executor, scored, config.local_rollout_forward_batch_size);
    const targets = ppoTargets(
      { responses, logprobs: gather(logps), refLogprobs: gather(refLogps), values: gather(values), scores },
      { padTokenId: pad, eosTokenId: eos, stopTokenId, missingEosPenalty: config.missing_eos_penalty, klCoef: config.kl_coef, klEstimator: config.kl_estimator, whitenRewards: config.whiten_rewards, gamma: config.gamma, lam: config.lam },
    );
    const perRow = {
      old_logps: logps,
      advantages: scatter(targets.advantages),
      returns: scatter(targets.returns),
      old_values: scatter(targets.values),
      ppo_mask: scatter(targets.mask),
      value_mask: scatter(targets.valueMask),
    };
    const metrics = {
      ...rolloutObjectives(targets, gather(logps), responses, eos),
      ...this.timings({ rollout, scoringStarted }),
    };
    // Each micro-batch's share of TRL's [rows, response width] block, over which it averages approxkl and the ratio.
    const scalars = { response_cells: (n / this.plan.stepsPerGeneration) * width };
    const batches = Array.from({ length: config.num_ppo_epochs }, (_, epoch) => splitRollout({ rows: laidOut, perRow, scalars, metrics }, this.plan.stepsPerGeneration, mixSeed(seed, epoch)));
    return batches.flat();
  }

  /** The value model reads whole prompt + response rows. */
  protected override get layout(): RolloutLayout {
    return FULL_ROWS_LAYOUT;
  }

  protected loss(batch: Batch, policy: PolicyForward, inputs: RolloutInputs | null): { loss: Tensor; metrics: Record<string, Tensor> } {
    if (!inputs) throw new Error('ppo: the value model needs whole rows (the full-rows layout)');
    const t = batch.tensors;
    const c = this.config;
    const [n, length] = inputs.inputIds.shape;
    const values = this.models.value.tokenScores(inputs.inputIds, { attentionMask: inputs.attentionMask }).reshape(n, length);
    const mask = inputOf('ppo_mask', t.ppo_mask);
    const oldLogps = inputOf('old_logps', t.old_logps);
    const out = ppoLoss(
      { logps: policy.perToken, oldLogps, advantages: inputOf('advantages', t.advantages), values, oldValues: inputOf('old_values', t.old_values), returns: inputOf('returns', t.returns), mask, valueMask: inputOf('value_mask', t.value_mask) },
      { cliprange: c.cliprange, cliprangeValue: c.cliprange_value, vfCoef: c.vf_coef },
    );
    // TRL's means over the whole block: outside the mask its log-probs are both INVALID_LOGPROB (difference 0, ratio 1).
    const cells = inputOf('response_cells', t.response_cells);
    const diff = policy.perToken.sub(oldLogps).mul(mask);
    return {
      loss: out.loss,
      metrics: {
        ...out.metrics,
        'policy/approxkl_avg': diff.square().sum().div(cells).mul(0.5).detach(),
        'val/ratio': diff.exp().sub(1).mul(mask).sum().div(cells).add(1).detach(),
      },
    };
  }
}

/**
 * TRL's rollout-level PPO metrics: the summed per-token KL and the non-score reward (−kl_coef·KL)
 * per response, the score, their sum (`rlhf_reward`), the summed −log-prob of the response, and
 * the EOS tokens sampled. `objective/entropy` sums over the response's counting tokens only; TRL's
 * also adds −1 per padding position (its INVALID_LOGPROB fill).
 */
function rolloutObjectives(targets: PpoTargets, logprobs: readonly (readonly number[])[], responses: readonly (readonly number[])[], eos: number): Record<string, number> {
  const nonScore = mean(targets.nonScoreReward.map(rowSum));
  const score = mean(targets.scores);
  return {
    'objective/kl': targets.meanKl,
    'objective/entropy': mean(logprobs.map((row, b) => rowSum(row.map((lp, k) => (targets.mask[b][k] ? -lp : 0))))),
    'objective/non_score_reward': nonScore,
    'objective/rlhf_reward': nonScore + score,
    'objective/scores': score,
    'val/num_eos_tokens': responses.reduce((s, r) => s + r.filter((id) => id === eos).length, 0),
  };
}
