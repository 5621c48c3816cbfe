import { HostTensor, OrtExecutor, Tensor, type Executor } from '@tunekit/core';
import { type CausalLMBase, createModel, generate, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TinyArch, at, greedyByRecomputing, loadTiny, logitsOf, maxAbsDiff, tinyCheckpoint, trainSteps } from '../testing/prompt-learning.test-support.js';
import { parsePrefixTuningConfig } from './prefix-tuning.config.js';
import { PREFIX_TUNING_METHOD } from './prefix-tuning.method.js';
import { injectPrefixTuning } from './prefix-tuning.model.js';

const config = (raw: Record<string, unknown>) => parsePrefixTuningConfig(raw);

/**
 * The model's own keys and values of `ids`, laid out as PEFT's prefix embedding rows: per virtual
 * token, [layers · 2 (key, value) · kv heads · head dim].
 */
async function ownPrefix(model: CausalLMBase, ort: Executor, ids: readonly number[]): Promise<HostTensor<'f32'>> {
  const { present } = model.call(Tensor.input('ids', [1, ids.length], 'i64'));
  const kv = await ort.compile(present.flatMap((e) => [e.k, e.v])).run({ ids: HostTensor.i64([1, ids.length], ids) });
  const { kvHeads, headDim } = model.config;
  const rows: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    for (const t of kv) {
      const data = t.toFloat32();
      for (let h = 0; h < kvHeads; h++) rows.push(...data.subarray((h * ids.length + i) * headDim, (h * ids.length + i + 1) * headDim));
    }
  }
  return HostTensor.f32([ids.length, rows.length / ids.length], rows);
}

const prefixParam = (model: CausalLMBase) => model.namedParameters().find(([n]) => n === 'prompt_encoder.default.embedding.weight')![1];

describe('prefix tuning: parameters', () => {
  const smol = () => createModel(parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' })), { dtype: 'bf16', empty: true });

  it("trains the prefix itself, [n, layers·2·kv heads·head dim], and prints PEFT's line (SmolLM2-135M, 20 virtual tokens)", () => {
    const model = smol();
    const handle = PREFIX_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 20 }));
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}]`);
    // 30 layers × (key, value) × 3 kv heads × 64.
    expect(trainable).toEqual(['prompt_encoder.default.embedding.weight [20,11520]']);
    expect(handle.trainableParametersLine()).toBe('trainable params: 230,400 || all params: 134,745,408 || trainable%: 0.1710');
  });

  it("with prefix_projection trains an embedding and PEFT's transform MLP (transform.0, tanh, transform.2)", () => {
    const model = smol();
    const handle = PREFIX_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 20, prefix_projection: true, encoder_hidden_size: 128 }));
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}]`);
    expect(trainable).toEqual([
      'prompt_encoder.default.embedding.weight [20,192]',
      'prompt_encoder.default.transform.0.weight [128,192]',
      'prompt_encoder.default.transform.0.bias [128]',
      'prompt_encoder.default.transform.2.weight [11520,128]',
      'prompt_encoder.default.transform.2.bias [11520]',
    ]);
    // 3,840 + 24,576 + 128 + 1,474,560 + 11,520
    expect(handle.trainableParametersLine()).toBe('trainable params: 1,514,624 || all params: 136,029,632 || trainable%: 1.1135');
  });
});

describe.each(['llama', 'qwen2', 'gpt2'] as const)('prefix tuning on a tiny %s', (arch: TinyArch) => {
  let dir = '';
  let cleanup: () => Promise<void>;
  let base: CausalLMBase;
  const ort = new OrtExecutor({ threads: 1 });
  beforeAll(async () => {
    ({ dir, cleanup } = await tinyCheckpoint(arch));
    base = await loadTiny(dir);
  });
  afterAll(async () => {
    await ort.dispose();
    await cleanup();
  });

  it("a prefix set to the model's own keys and values of some tokens gives the logits of running on those tokens first", async () => {
    const prefix = [33, 80, 85, 89, 263];
    const model = await loadTiny(dir);
    injectPrefixTuning(model, config({ num_virtual_tokens: prefix.length }));
    prefixParam(model).assign(await ownPrefix(base, ort, prefix));
    const rows = [[5, 17, 42, 8], [60, 61, 62, 63]];
    const adapted = await logitsOf(model, ort, rows);
    const literal = await logitsOf(base, ort, rows.map((r) => [...prefix, ...r]));
    expect(adapted.shape).toEqual([2, 4, model.config.vocab]);
    for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) expect(maxAbsDiff(at(adapted, b, t), at(literal, b, prefix.length + t))).toBeLessThan(1e-4);
  });

  it('disableAdapter traces the base model; merging is refused', async () => {
    const model = await loadTiny(dir);
    const handle = PREFIX_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 4, prefix_projection: true }), { seed: 2 });
    const rows = [[5, 17, 42, 8]];
    const baseLogits = (await logitsOf(base, ort, rows)).toFloat32();
    expect(maxAbsDiff((await logitsOf(model, ort, rows)).toFloat32(), baseLogits)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff((await handle.disableAdapter(() => logitsOf(model, ort, rows))).toFloat32(), baseLogits)).toBe(0);
    expect(() => handle.mergeAndUnload()).toThrow('prefix_tuning: cannot merge into the base weights: the adapter adds 4 virtual tokens in front of every input and changes no weight');
  });

  it.each([false, true])('trains only the prefix (prefix_projection %s): the loss falls in a few steps', async (projection) => {
    const model = await loadTiny(dir);
    injectPrefixTuning(model, config({ num_virtual_tokens: 4, prefix_projection: projection }), { seed: 5 });
    const before = new Map(model.namedParameters().map(([n, p]) => [n, p.value.toFloat32().slice()]));
    const losses = await trainSteps(model, [[5, 17, 42, 8, 9, 10], [60, 61, 62, 63, 64, 65]], 10, projection ? 1e-2 : 5e-2);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);
    for (const [n, p] of model.namedParameters()) expect(maxAbsDiff(p.value.toFloat32(), before.get(n)!) > 0, n).toBe(n.startsWith('prompt_encoder.'));
  });

  it('greedy generation with the static KV cache (prefix in its first slots) equals recomputing each step', async () => {
    const model = await loadTiny(dir);
    injectPrefixTuning(model, config({ num_virtual_tokens: 3, prefix_projection: true }), { seed: 6 });
    const prompts = [[5, 77, 140, 9, 200], [8, 9]];
    const result = await generate(model, ort, prompts, { maxNewTokens: 8, eosTokenIds: [] });
    for (const [row, prompt] of prompts.entries()) expect(result.outputIds[row]).toEqual(await greedyByRecomputing(model, ort, prompt, 8));
    const plain = await generate(base, ort, prompts, { maxNewTokens: 8, eosTokenIds: [] });
    expect(plain.outputIds).not.toEqual(result.outputIds);
  });
});
