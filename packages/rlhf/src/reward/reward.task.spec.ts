import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type HostTensor, OrtExecutor, type Tensor, readSafetensors, takeTracedFeeds } from '@tunekit/core';
import { relativeError, reportGoldenError } from '@tunekit/core/testing';
import { type CausalLM, type ModelConfig, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRewardConfig } from './reward.config.js';
import { loadRewardModel, rewardModelOn } from './reward.model.js';
import { RewardTask } from './reward.task.js';

const SEQ_CLS = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/seq_cls/llama/', import.meta.url));
const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));

describe('reward task on transformers’ LlamaForSequenceClassification', () => {
  const executor = new OrtExecutor({ threads: 1 });
  let forward: Map<string, HostTensor>;
  beforeAll(async () => {
    forward = await readSafetensors(join(SEQ_CLS, 'forward.safetensors'));
  });
  afterAll(() => executor.dispose());

  it('scores each row at its last non-pad token as transformers does, and its loss and metrics follow from those scores', async () => {
    const { model } = await loadRewardModel(join(SEQ_CLS, 'model'), { dtype: 'f32', seed: 0 });
    const task = new RewardTask(model, parseRewardConfig({}));
    // transformers' right-padded batch: row 0 as the chosen answer, row 1 as the rejected one.
    const batch = { tensors: { input_ids: forward.get('input_ids_right')!, attention_mask: forward.get('attention_mask_right')! }, tokens: 0 };
    const out = task.trace(batch);
    const m = out.metrics! as Record<string, Tensor>;
    const [loss, chosen, rejected, accuracy] = await executor.compile([out.loss, m['rewards/chosen'], m['rewards/rejected'], m.accuracy]).run({ ...batch.tensors, ...takeTracedFeeds() });
    const want = forward.get('scores_right')!.toFloat32();
    const got = Float32Array.from([chosen.item(), rejected.item()]);
    expect(reportGoldenError('reward task scores', relativeError(got, want))).toBeLessThanOrEqual(1e-4);
    expect(loss.item()).toBeCloseTo(-logSigmoid(want[0] - want[1]), 4);
    expect(accuracy.item()).toBe(want[0] > want[1] ? 1 : 0);
    expect(out.weight).toBe(1);
  });

  it('puts a new head on a causal LM’s own backbone, with the transformers class, label and pad id of a reward model', () => {
    const causal = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama' })), { seed: 3 }) as CausalLM & { config: ModelConfig };
    const model = rewardModelOn(causal, { seed: 7, padTokenId: 5, file: 'config.json' });
    const backbone = new Map(causal.namedParameters());
    const own = model.namedParameters();
    expect(own.filter(([n]) => n !== 'score.weight').every(([n, p]) => backbone.get(n) === p)).toBe(true);
    expect(own.map(([n]) => n)).toContain('score.weight');
    expect(model.score.weight.shape).toEqual([1, causal.config.hidden]);
    const w = model.score.weight.value.toFloat32();
    const std = Math.sqrt(w.reduce((s, v) => s + v * v, 0) / w.length);
    expect(std).toBeGreaterThan(0.005);
    expect(std).toBeLessThan(0.05);
    expect(model.config.raw).toMatchObject({ architectures: ['LlamaForSequenceClassification'], id2label: { 0: 'LABEL_0' }, label2id: { LABEL_0: 0 }, pad_token_id: 5 });
    expect(model.config.padTokenId).toBe(5);
    expect(() => new RewardTask(model, parseRewardConfig({})).trace({ tensors: { input_ids: forward.get('input_ids_right')! }, tokens: 0 })).toThrow(
      'preference pairs: a batch needs attention_mask, got [input_ids]',
    );
  });

  it('parses TRL’s RewardConfig names and refuses unknown ones', () => {
    expect(parseRewardConfig({})).toEqual({ center_rewards_coefficient: null, disable_dropout: true });
    expect(parseRewardConfig({ center_rewards_coefficient: 0.01 }).center_rewards_coefficient).toBe(0.01);
    expect(() => parseRewardConfig({ center_reward_coefficient: 0.01 })).toThrow(/reward\.center_reward_coefficient/);
    expect(() => parseRewardConfig({ center_rewards_coefficient: -1 })).toThrow(/reward\.center_rewards_coefficient/);
  });
});
