import { type Batch, HostTensor, OrtExecutor, Rng, Tensor, Trainer, parseTrainingArguments, takeTracedFeeds } from '@tunekit/core';
import type { CausalLM, SequenceClassificationModel } from '@tunekit/models';
import { afterAll, describe, expect, it } from 'vitest';
import { EOS, onlineContext, tempDir, tinyPolicy, tinyPrompts } from './online.test-support.js';
import { parsePpoConfig } from './ppo.config.js';
import { PpoTask, VALUE_PREFIX } from './ppo.task.js';
import { tinyPpoModels } from './ppo.test-support.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

const PAD = 0;
const BASE = { reward_model_path: 'unused', response_length: 6, temperature: 0.9, stop_token: 'eos', missing_eos_penalty: 1.0, kl_coef: 0.2 };

async function host(t: Tensor, feeds: Record<string, HostTensor>): Promise<Float32Array> {
  const [out] = await executor.compile([t]).run({ ...feeds, ...takeTracedFeeds() });
  return out.toFloat32();
}

/** One row's model outputs at every position, each row alone (no batching, no padding). */
async function rowOutputs(ids: readonly number[], policy: CausalLM, value: SequenceClassificationModel, temperature: number, reference?: (fn: () => Tensor) => Tensor) {
  const feeds = { ids: HostTensor.i64([1, ids.length], ids) };
  const input = () => Tensor.input('ids', [1, ids.length], 'i64');
  const logits = await host(reference ? reference(() => policy.call(input()).logits) : policy.call(input()).logits, feeds);
  const vocab = logits.length / ids.length;
  // log-softmax at the sampling temperature of the token that follows each position.
  const logps = ids.slice(1).map((next, p) => {
    const z = Array.from(logits.subarray(p * vocab, (p + 1) * vocab), (x) => x / temperature);
    const max = Math.max(...z);
    return z[next] - max - Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
  });
  const values = [...(await host(value.tokenScores(input()), feeds))];
  return { logps, values };
}

/** The rows of a rollout's micro-batches: prompt and response ids, from the masks. */
function rowsOf(batches: readonly Batch[]): { prompt: number[]; response: number[] }[] {
  return batches.flatMap((b) => {
    const [n, l] = b.tensors.input_ids.shape;
    return Array.from({ length: n }, (_, r) => {
      const at = (k: number) => r * l + k;
      const ids = Array.from({ length: l }, (_, k) => k).filter((k) => b.tensors.attention_mask.data[at(k)]);
      return {
        prompt: ids.filter((k) => !b.tensors.completion_mask.data[at(k)]).map((k) => Number(b.tensors.input_ids.data[at(k)])),
        response: ids.filter((k) => b.tensors.completion_mask.data[at(k)]).map((k) => Number(b.tensors.input_ids.data[at(k)])),
      };
    });
  });
}

/**
 * TRL's PPOTrainer step written out again with plain loops over [rows][response width], from each
 * row's own forward passes: truncation at EOS, the missing-EOS penalty, k1 KL rewards with the score
 * at the end, GAE, whitening, and the clipped losses of the rows `batchRows` under the new weights.
 */
function trlStep(rollout: { response: number[]; logps: number[]; ref: number[]; values: number[]; score: number }[], now: { logps: number[]; values: number[] }[], batchRows: readonly number[], c: { klCoef: number; gamma: number; lam: number; clip: number; clipValue: number; vfCoef: number; penalty: number }) {
  const T = Math.max(...rollout.map((r) => r.response.length));
  const padded = rollout.map((r) => Array.from({ length: T }, (_, t) => r.response[t] ?? PAD));
  const truncated = padded.map((r) => {
    const stop = r.indexOf(EOS);
    return r.map((id, t) => (stop >= 0 && t > stop ? PAD : id));
  });
  const seqLen = truncated.map((r) => (r.indexOf(PAD) === -1 ? T : r.indexOf(PAD)) - 1);
  const scores = rollout.map((r, b) => (truncated[b].includes(EOS) ? r.score : r.score - c.penalty));
  const inMask = (b: number, t: number) => t <= seqLen[b];
  const inValueMask = (b: number, t: number) => t <= seqLen[b] + 1;
  const values = rollout.map((r, b) => Array.from({ length: T }, (_, t) => (inValueMask(b, t) ? r.values[t] : 0)));
  const advantagesRaw: number[][] = [];
  const returns: number[][] = [];
  rollout.forEach((r, b) => {
    const rewards = Array.from({ length: T }, (_, t) => (inMask(b, t) ? -c.klCoef * (r.logps[t] - r.ref[t]) : 0));
    rewards[seqLen[b] + 1 < T ? seqLen[b] + 1 : seqLen[b]] += scores[b];
    const adv = new Array<number>(T).fill(0);
    let last = 0;
    for (let t = T - 1; t >= 0; t--) {
      last = rewards[t] + c.gamma * (t + 1 < T ? values[b][t + 1] : 0) - values[b][t] + c.gamma * c.lam * last;
      adv[t] = last;
    }
    advantagesRaw.push(adv);
    returns.push(adv.map((a, t) => a + values[b][t]));
  });
  const masked = advantagesRaw.flatMap((row, b) => row.filter((_, t) => inMask(b, t)));
  const mu = masked.reduce((s, x) => s + x, 0) / masked.length;
  const variance = masked.reduce((s, x) => s + (x - mu) ** 2, 0) / (masked.length - 1);
  const advantages = advantagesRaw.map((row) => row.map((a) => (a - mu) / Math.sqrt(variance + 1e-8)));
  let [pg, pgN, vf, vfN] = [0, 0, 0, 0];
  for (const b of batchRows) {
    for (let t = 0; t < T; t++) {
      if (inMask(b, t)) {
        const ratio = Math.exp(now[b].logps[t] - rollout[b].logps[t]);
        const a = advantages[b][t];
        pg += Math.max(-a * ratio, -a * Math.min(1 + c.clip, Math.max(1 - c.clip, ratio)));
        pgN++;
      }
      if (inValueMask(b, t)) {
        const v = now[b].values[t];
        const clipped = Math.min(values[b][t] + c.clipValue, Math.max(values[b][t] - c.clipValue, v));
        vf += Math.max((v - returns[b][t]) ** 2, (clipped - returns[b][t]) ** 2);
        vfN++;
      }
    }
  }
  const policyLoss = pg / pgN;
  const valueLoss = (0.5 * vf) / vfN;
  return { policyLoss, valueLoss, loss: policyLoss + c.vfCoef * valueLoss, scores };
}

/** Moves every trainable value of `params` by N(0, scale): a stand-in for an optimizer step. */
function nudge(params: Iterable<readonly [string, { requiresGrad: boolean; shape: readonly number[]; value: HostTensor; assign(v: HostTensor): void }]>, rng: Rng, scale: number): void {
  for (const [, p] of params) {
    if (!p.requiresGrad) continue;
    const v = p.value.toFloat32();
    p.assign(HostTensor.f32(p.shape, Float32Array.from(v, (x) => x + rng.normal() * scale)));
  }
}

describe('a PPO step on a tiny model against TRL’s algorithm in plain arithmetic', () => {
  it('the micro-batch’s policy, value and total losses equal the step recomputed row by row from the same rollout', async () => {
    const policy = tinyPolicy();
    const rng = new Rng(21);
    // The adapter moved off zero first, so the policy differs from its reference and the KL penalty counts.
    nudge(policy.model.namedParameters(), rng, 0.3);
    const models = tinyPpoModels();
    const config = parsePpoConfig({ ...BASE, num_ppo_epochs: 1 });
    const ctx = onlineContext(policy, executor, { rewardFunctions: [], training: { per_device_train_batch_size: 2, gradient_accumulation_steps: 2, seed: 42 } });
    const task = new PpoTask(ctx, config, models);
    const batches = [await task.data.batch(0, 0), await task.data.batch(0, 1)];
    const rows = rowsOf(batches);
    expect(rows).toHaveLength(4);

    const disable = <T>(fn: () => T) => policy.adapter.disableAdapter(fn);
    const rollout = [];
    for (const r of rows) {
      const ids = [...r.prompt, ...r.response];
      const at = (xs: number[]) => r.response.map((_, t) => xs[r.prompt.length - 1 + t]).concat([xs[ids.length - 1]]);
      const own = await rowOutputs(ids, policy.model, models.value, config.temperature);
      const ref = await rowOutputs(ids, policy.model, models.value, config.temperature, disable);
      const stop = r.response.indexOf(EOS);
      const kept = stop >= 0 ? r.response.slice(0, stop + 1) : r.response;
      const cut = kept.indexOf(PAD) >= 0 ? kept.slice(0, kept.indexOf(PAD)) : kept;
      const score = (await host(models.reward.call(Tensor.input('ids', [1, r.prompt.length + cut.length], 'i64')), { ids: HostTensor.i64([1, r.prompt.length + cut.length], [...r.prompt, ...cut]) }))[0];
      rollout.push({ response: r.response, logps: at(own.logps), ref: at(ref.logps), values: at(own.values), score });
    }

    // An update's worth of change to the policy's adapter and to the value model, then the first micro-batch's loss.
    nudge(policy.model.namedParameters(), rng, 0.05);
    nudge(models.value.namedParameters(), rng, 0.02);
    const now = [];
    for (const r of rows) {
      const ids = [...r.prompt, ...r.response];
      const own = await rowOutputs(ids, policy.model, models.value, config.temperature);
      const at = (xs: number[]) => r.response.map((_, t) => xs[r.prompt.length - 1 + t]).concat([xs[ids.length - 1]]);
      now.push({ logps: at(own.logps), values: at(own.values) });
    }
    const want = trlStep(rollout, now, [0, 1], { klCoef: 0.2, gamma: 1, lam: 0.95, clip: 0.2, clipValue: 0.2, vfCoef: 0.1, penalty: 1 });
    const out = task.trace(batches[0]);
    const [loss, pg, vf, scores] = await executor.compile([out.loss, ...(['loss/policy_avg', 'loss/value_avg', 'objective/scores'] as const).map((k) => out.metrics![k] as Tensor)]).run({ ...batches[0].tensors, ...takeTracedFeeds() });
    expect(pg.toFloat32()[0]).toBeCloseTo(want.policyLoss, 4);
    expect(vf.toFloat32()[0]).toBeCloseTo(want.valueLoss, 4);
    expect(loss.toFloat32()[0]).toBeCloseTo(want.loss, 4);
    expect(scores.toFloat32()[0]).toBeCloseTo(want.scores.reduce((s, x) => s + x, 0) / 4, 4);
    // Not a degenerate case: the ratios moved and both losses are away from zero.
    expect(Math.abs(want.policyLoss)).toBeGreaterThan(1e-3);
    expect(want.valueLoss).toBeGreaterThan(1e-3);
  });
});

describe('where the reward model reads a response', () => {
  /** The reward model's score of one row of ids. */
  const scoreOf = async (reward: SequenceClassificationModel, ids: readonly number[]) => (await host(reward.call(Tensor.input('ids', [1, ids.length], 'i64')), { ids: HostTensor.i64([1, ids.length], ids) }))[0];
  const TURN_END = [13, 7];
  // An id this tiny policy samples often, as its end of turn: some responses end, some run to response_length.
  const STOP = 44;

  it('score_at turn_end: a conversational turn that ended is read after what the template prints past its end-of-turn token; one cut short is read where it stops', async () => {
    const models = { ...tinyPpoModels(), turnEnd: TURN_END };
    const prompts = tinyPrompts(4).map((p) => ({ ...p, prompt: [{ role: 'user' as const, content: p.prompt as string }] }));
    const ctx = onlineContext(tinyPolicy(), executor, { prompts, generationConfig: { eos_token_id: STOP, pad_token_id: 0 }, rewardFunctions: [], training: { per_device_train_batch_size: 2, gradient_accumulation_steps: 2, seed: 42 } });
    const task = new PpoTask(ctx, parsePpoConfig({ ...BASE, missing_eos_penalty: null, num_ppo_epochs: 1, score_at: 'turn_end' }), models);
    const batches = [await task.data.batch(0, 0), await task.data.batch(0, 1)];
    const rows = rowsOf(batches);
    const ended = rows.map((r) => r.response.includes(STOP));
    // Both kinds of row are in the rollout.
    expect(ended).toContain(true);
    expect(ended).toContain(false);
    const cut = (response: number[]) => (response.includes(STOP) ? response.slice(0, response.indexOf(STOP) + 1) : response);
    const want = await Promise.all(rows.map((r, i) => scoreOf(models.reward, [...r.prompt, ...cut(r.response), ...(ended[i] ? TURN_END : [])])));
    const atStop = await Promise.all(rows.map((r) => scoreOf(models.reward, [...r.prompt, ...cut(r.response)])));
    const out = task.trace(batches[0]);
    const [scores] = await executor.compile([out.metrics!['objective/scores'] as Tensor]).run({ ...batches[0].tensors, ...takeTracedFeeds() });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(scores.toFloat32()[0]).toBeCloseTo(mean(want), 4);
    // TRL's reading at the stop token gives another score here.
    expect(Math.abs(mean(want) - mean(atStop))).toBeGreaterThan(1e-3);
  });

  it('needs stop_token eos and the template\'s ids', () => {
    expect(() => parsePpoConfig({ reward_model_path: 'rm', score_at: 'turn_end' })).toThrow('score_at: turn_end reads past the end-of-turn token, so it needs stop_token: eos');
    expect(() => new PpoTask(onlineContext(tinyPolicy(), executor, { rewardFunctions: [] }), parsePpoConfig({ ...BASE, score_at: 'turn_end' }), tinyPpoModels())).toThrow('ppo: score_at turn_end needs');
  });
});

const ppoArgs = (output_dir: string) => parseTrainingArguments({ output_dir, per_device_train_batch_size: 4, gradient_accumulation_steps: 1, learning_rate: 5e-2, logging_steps: 1, max_steps: 4, save_steps: 1, seed: 42 });

async function run(config: Record<string, unknown>, outputDir: string, resume: string | null = null) {
  const policy = tinyPolicy();
  const task = new PpoTask(onlineContext(policy, executor, { rewardFunctions: [] }), parsePpoConfig(config), tinyPpoModels());
  const trainer = Trainer.create({ args: ppoArgs(outputDir), task, executor, checkpointer: task.wrapCheckpointer(policy.adapter.checkpointer()) });
  await trainer.train(task.data, { resumeFromCheckpoint: resume });
  return { task, logs: trainer.trainerState.log_history.filter((e) => e.loss !== undefined && e.train_runtime === undefined) };
}

describe('PPO in the trainer', () => {
  it('logs TRL’s metrics, trains the value model in full beside the adapter, and resumes mid-rollout as if it had not stopped', async () => {
    // Two PPO epochs of one micro-batch each: checkpoint-1 falls between the two passes over the first rollout.
    const config = { ...BASE, num_ppo_epochs: 2 };
    const dir = tempDir();
    const { task, logs } = await run(config, dir);
    expect(logs).toHaveLength(4);
    const metrics = ['objective/kl', 'objective/entropy', 'objective/non_score_reward', 'objective/rlhf_reward', 'objective/scores', 'policy/approxkl_avg', 'policy/clipfrac_avg', 'loss/policy_avg', 'loss/value_avg', 'val/clipfrac_avg', 'policy/entropy_avg', 'val/ratio', 'val/num_eos_tokens', 'timing/generation_s', 'timing/scoring_s'];
    for (const key of metrics) expect(logs[0][key], key).toBeTypeOf('number');
    // The first pass over a rollout is on-policy: ratio 1, no KL between old and new; the second is not.
    expect(logs[0]['val/ratio']).toBeCloseTo(1, 6);
    expect(logs[0]['policy/approxkl_avg']).toBeCloseTo(0, 9);
    expect(logs[1]['policy/approxkl_avg']).toBeGreaterThan(0);
    // The whole value model trains; the policy trains only its adapter.
    const trainable = [...task.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainable.filter((n) => n.startsWith(VALUE_PREFIX))).toHaveLength([...task.namedParameters()].filter(([n]) => n.startsWith(VALUE_PREFIX)).length);
    expect(trainable.filter((n) => !n.startsWith(VALUE_PREFIX)).every((n) => n.includes('lora_'))).toBe(true);

    const resumed = (await run(config, tempDir(), `${dir}/checkpoint-1`)).logs.filter((l) => l.step > 1);
    expect(resumed.map((l) => l.step)).toEqual([2, 3, 4]);
    for (const [i, entry] of resumed.entries()) {
      const want = logs[i + 1];
      for (const key of ['loss', 'loss/policy_avg', 'loss/value_avg', 'objective/scores', 'objective/kl', 'policy/approxkl_avg']) expect(entry[key], `step ${entry.step} ${key}`).toBeCloseTo(want[key] as number, 6);
    }
  });
});

describe('ppo config', () => {
  it('takes PPOConfig names and defaults, needs reward_model_path, and refuses options TuneKit lacks by name', () => {
    const c = parsePpoConfig({ reward_model_path: 'rm' });
    expect([c.num_ppo_epochs, c.num_mini_batches, c.kl_coef, c.kl_estimator, c.cliprange, c.cliprange_value, c.vf_coef, c.gamma, c.lam, c.response_length, c.temperature, c.stop_token, c.missing_eos_penalty, c.whiten_rewards]).toEqual([4, 1, 0.05, 'k1', 0.2, 0.2, 0.1, 1, 0.95, 53, 0.7, null, null, false]);
    expect([c.num_generations, c.max_completion_length, c.num_iterations, c.beta, c.top_k, c.top_p]).toEqual([1, 53, 4, 0.05, 0, 1]);
    expect(() => parsePpoConfig({})).toThrow('ppo config: reward_model_path: missing; PPO scores responses with a reward model');
    expect(() => parsePpoConfig({ reward_model_path: 'rm', num_ppo_epoch: 2 })).toThrow('ppo config: unknown option "num_ppo_epoch" (did you mean "num_ppo_epochs"?)');
    expect(() => parsePpoConfig({ reward_model_path: 'rm', total_episodes: 1000 })).toThrow("total_episodes: expected null (TRL's default): TuneKit has no episode budget; set training.max_steps or num_train_epochs, got 1000");
    expect(() => parsePpoConfig({ reward_model_path: 'rm', kl_estimator: 'k2' })).toThrow('kl_estimator: expected one of k1|k3');
  });
});
