/**
 * Held-out preference accuracy of the demo's models, with the same scoring code `tunekit score`
 * runs (scorePairs, summarizeScores): a reward model's scores, or a policy's own log-probs.
 */
import { OrtExecutor, Tensor } from '@tunekit/core';
import { type PreferenceRows, loadPreferenceDataset } from '@tunekit/data';
import { type CausalLM, HfTokenizer, loadModel } from '@tunekit/models';
import { loadAdapter } from '@tunekit/peft-lora';
import { type PairScorer, type ScoreSummary, loadRewardModel, rewardModelScorer, rowsOf, scorePairs, sequenceLogps, summarizeScores } from '@tunekit/rlhf';

/** The longest held-out pair is far below this; the runs' `data.max_length` is the same. */
const MAX_LENGTH = 96;

/**
 * The policy's own ranking: log π(y|x) summed over the answer's tokens, no reference. Before DPO
 * the implicit reward β·(log π − log π_ref) is 0 for every answer (the policy is its reference), so
 * this is the figure that has a meaningful "before"; and ORPO has no reference at all.
 */
export function policyLogpScorer(model: CausalLM): PairScorer {
  return (batch) => {
    const input = (name: string) => Tensor.input(name, batch.tensors[name].shape, batch.tensors[name].dtype);
    const ids = input('input_ids');
    const { logps } = sequenceLogps(model.forward(ids, { attentionMask: input('attention_mask') }).logits, ids, input('completion_mask'));
    const b = ids.shape[0] / 2;
    return { chosen: rowsOf(logps, 0, b), rejected: rowsOf(logps, b, b) };
  };
}

/** `rows`: a reward model scores RewardTrainer's whole rows, a policy DPO's prompt and completions. */
async function score(modelDir: string, pairs: string, scorer: PairScorer, rows: PreferenceRows): Promise<ScoreSummary> {
  const tokenizer = await HfTokenizer.fromDir(modelDir);
  const dataset = await loadPreferenceDataset({ path: pairs, max_length: MAX_LENGTH, shuffle: false }, tokenizer, { rows });
  const executor = new OrtExecutor();
  try {
    return summarizeScores(await scorePairs(dataset.train.batcher(8), scorer, executor));
  } finally {
    executor.dispose();
  }
}

/** How often the policy (the model, with a LoRA adapter when given) gives the chosen answer the higher log-prob. */
export async function policyPreference(modelDir: string, adapterDir: string | null, pairs: string): Promise<ScoreSummary> {
  const { model } = await loadModel(modelDir);
  if (adapterDir) await loadAdapter(model, adapterDir, { trainable: false });
  model.train(false);
  return score(modelDir, pairs, policyLogpScorer(model), 'prompt_completion');
}

/**
 * A reward model as `task: reward` starts it: the model's backbone with a new `score` head drawn
 * with the run's seed (the LoRA adapter starts as the identity), so this is the reward model before training.
 */
export async function untrainedRewardModel(modelDir: string, seed: number, pairs: string): Promise<ScoreSummary> {
  const { model } = await loadRewardModel(modelDir, { dtype: 'f32', seed });
  model.train(false);
  return score(modelDir, pairs, rewardModelScorer(model), 'whole');
}
