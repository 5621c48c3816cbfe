import { HostTensor, OrtExecutor, type Parameter, Rng, Tensor, fromFloat32, grad, takeTracedFeeds } from '@tunekit/core';
import type { CausalLM, FinishReason } from '@tunekit/models';
import { PREFIX_TUNING_METHOD, PROMPT_TUNING_METHOD } from '@tunekit/peft-lora';
import { afterAll, describe, expect, it } from 'vitest';
import { FULL_ROWS_LAYOUT } from './full-rows.layout.js';
import { EOS, VOCAB, tinyModel, tinyPolicy, tinyPrompts } from './online.test-support.js';
import type { RolloutLayout } from './rollout-layout.js';
import type { Rollout } from './rollout.js';
import { rolloutRows } from './rollout-rows.js';
import { SHARED_PROMPT_LAYOUT } from './shared-prompt.layout.js';

const executor = new OrtExecutor();
afterAll(() => executor.dispose());

const SETTINGS = { temperature: 0.8, topP: 1, topK: 0, repetitionPenalty: 1, minP: 0, maxCompletionLength: 5 };
const GENERATIONS = 4;

/** Nudges every trainable parameter off its initial value, so LoRA's zero B does not hide the adapter. */
function moved(model: CausalLM): Parameter[] {
  const rng = new Rng(11);
  const params = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([, p]) => p);
  for (const p of params) {
    const v = p.value.toFloat32().map((x) => x + (rng.uniform() * 2 - 1) * 0.2);
    p.assign(new HostTensor(p.dtype, p.shape, fromFloat32(p.dtype, v)));
  }
  return params;
}

/**
 * Prompts of 2 to 5 ids with `GENERATIONS` completions each, of 1 to 5 ids: a completion that
 * ends in EOS, or one cut at the length limit (every fourth).
 */
function rollout(): Rollout {
  const rng = new Rng(5);
  const prompts = tinyPrompts(5).map((p) => p.promptIds);
  const promptIds = prompts.flatMap((p) => Array.from({ length: GENERATIONS }, () => p));
  const truncated = promptIds.map((_, i) => i % 4 === 1);
  const completionIds = promptIds.map((_, i) => {
    const length = truncated[i] ? SETTINGS.maxCompletionLength : 1 + (i % SETTINGS.maxCompletionLength);
    return Array.from({ length }, (_, k) => (k === length - 1 && !truncated[i] ? EOS : 3 + Math.floor(rng.uniform() * (VOCAB - 3))));
  });
  const finishReasons = truncated.map((t): FinishReason => (t ? 'length' : 'eos'));
  return { promptIds, completionIds, completions: completionIds.map(String), truncated, finishReasons, padTokenId: 0, eosTokenIds: [EOS], generationMs: 0, generatorTimings: { prefillMs: 0, decodeMs: 0, decodeSteps: 0 } };
}

interface Scored {
  readonly perToken: Float32Array;
  readonly mask: Float32Array;
  readonly entropy: Float32Array;
  readonly width: number;
  readonly grads: Float32Array[];
  readonly feeds: Record<string, HostTensor>;
}

/** Per-token log-probs, mask, entropy and the gradient of Σ A·log p over the counted tokens, for rows `picked`. */
async function score(model: CausalLM, params: Parameter[], layout: RolloutLayout, sampled: Rollout, picked: number[]): Promise<Scored> {
  const rows = rolloutRows(sampled, { maskTruncated: true, multiple: 16 });
  const feeds = layout.layOut(sampled, rows, SETTINGS).feeds(picked);
  const { policy } = layout.trace(model, feeds, SETTINGS.temperature);
  const advantages = Tensor.constant(HostTensor.f32([picked.length], picked.map((r) => ((r * 7) % 5) - 2)));
  const surrogate = policy.perToken.mul(policy.mask).sum(1).mul(advantages).sum();
  const outputs = await executor.compile([policy.perToken, policy.mask, policy.entropy, ...grad(surrogate, params)]).run({ ...feeds, ...takeTracedFeeds() });
  const [perToken, mask, entropy, ...grads] = outputs.map((t) => t.toFloat32());
  return { perToken, mask, entropy, width: outputs[0].shape[1], grads, feeds };
}

/**
 * The shared-prompt layout against the full rows: completion token j of row i is column j there
 * and column (prompt length − 1 + j) here (position t scores token t + 1).
 */
async function expectSameAsFullRows(model: CausalLM, params: Parameter[], picked: number[]) {
  const sampled = rollout();
  const [shared, full] = [await score(model, params, SHARED_PROMPT_LAYOUT, sampled, picked), await score(model, params, FULL_ROWS_LAYOUT, sampled, picked)];
  let counted = 0;
  picked.forEach((row, i) => {
    const offset = sampled.promptIds[row].length - 1;
    for (let j = 0; j < shared.width; j++) {
      const [s, f] = [i * shared.width + j, i * full.width + offset + j];
      const inCompletion = j < sampled.completionIds[row].length;
      expect(shared.mask[s], `row ${row} token ${j}`).toBe(inCompletion ? full.mask[f] : 0);
      if (!shared.mask[s]) continue;
      counted++;
      expect(shared.perToken[s]).toBeCloseTo(full.perToken[f], 4);
      expect(shared.entropy[s]).toBeCloseTo(full.entropy[f], 4);
    }
  });
  expect(counted).toBeGreaterThan(picked.length);
  expect(shared.mask.reduce((a, b) => a + b, 0)).toBe(full.mask.reduce((a, b) => a + b, 0));
  const scale = Math.max(...full.grads.map((g) => g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)));
  expect(scale).toBeGreaterThan(1e-3);
  full.grads.forEach((g, k) => g.forEach((v, e) => expect(Math.abs(shared.grads[k][e] - v), `parameter ${k} element ${e}`).toBeLessThan(1e-4 * scale)));
  return shared;
}

describe('the shared-prompt rollout layout', () => {
  it('runs each distinct prompt once, and gives the full rows\' log-probs, entropies and gradients (LoRA)', async () => {
    const { model } = tinyPolicy();
    const params = moved(model);
    const all = Array.from({ length: 5 * GENERATIONS }, (_, i) => i);
    const shared = await expectSameAsFullRows(model, params, all);
    expect(shared.feeds.prompt_ids.shape[0]).toBe(5);
    expect(shared.feeds.row_prompt.shape).toEqual([5 * GENERATIONS]);
  });

  it('a shuffled micro-batch over some prompts, padded with prompts no row reads, gives the same', async () => {
    const { model } = tinyPolicy();
    const params = moved(model);
    const shared = await expectSameAsFullRows(model, params, [13, 2, 7, 1, 12, 6]);
    // Three prompts are read; the program keeps min(5 prompts, 6 rows) slots.
    expect(shared.feeds.prompt_ids.shape[0]).toBe(5);
  });

  it('refuses a prompt with no tokens, naming its row', () => {
    const sampled = rollout();
    const empty = { ...sampled, promptIds: sampled.promptIds.map((p, i) => (i === 6 ? [] : p)) };
    expect(() => SHARED_PROMPT_LAYOUT.layOut(empty, rolloutRows(sampled, { maskTruncated: true, multiple: 16 }), SETTINGS)).toThrow(/rollout row 6: its prompt has no tokens/);
  });

  const VIRTUAL: [string, (model: CausalLM) => void][] = [
    ['prefix tuning', (model) => PREFIX_TUNING_METHOD.apply(model, PREFIX_TUNING_METHOD.parseConfig({ num_virtual_tokens: 3 }), { seed: 5 })],
    ['prompt tuning', (model) => PROMPT_TUNING_METHOD.apply(model, PROMPT_TUNING_METHOD.parseConfig({ num_virtual_tokens: 3 }), { seed: 5 })],
  ];
  it.each(VIRTUAL)('with %s\'s virtual tokens first, gives the same', async (_name, adapt) => {
    const model = tinyModel();
    adapt(model);
    await expectSameAsFullRows(model, moved(model), [0, 5, 9, 10, 19, 3]);
  });
});
