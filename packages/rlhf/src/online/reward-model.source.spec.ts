import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Rng, Tensor, readSafetensors, takeTracedFeeds } from '@tunekit/core';
import { HfTokenizer, type SequenceClassificationModel, loadSequenceClassifier } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { FULL_METHOD, LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRewardModel } from '../reward/reward.model.js';
import { tempDir } from './online.test-support.js';
import { bindRewardSource, loadRewardModelFrom, loadRewardSource, rewardTexts, scoreRows } from './reward-model.source.js';

const GOLDEN = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/seq_cls/llama/', import.meta.url));
const executor = new OrtExecutor();
afterAll(() => executor.dispose());

/** The real tokens of each row of a padded [B, T] batch. */
function unpadded(ids: HostTensor, mask: HostTensor): number[][] {
  const [b, t] = ids.shape;
  return Array.from({ length: b }, (_, r) => Array.from({ length: t }, (_, i) => r * t + i).filter((k) => Number(mask.data[k]) === 1).map((k) => Number(ids.data[k])));
}

describe('reward model scores against transformers (seq_cls/llama)', () => {
  it('scores token rows batched and one by one as LlamaForSequenceClassification does', async () => {
    const model = await loadSequenceClassifier(join(GOLDEN, 'model'));
    const forward = await readSafetensors(join(GOLDEN, 'forward.safetensors'));
    const rows = unpadded(forward.get('input_ids_right')!, forward.get('attention_mask_right')!);
    const want = [...forward.get('scores_right')!.toFloat32()];
    for (const batch of [2, 1]) {
      const got = await scoreRows(model, executor, rows, batch);
      got.forEach((s, i) => expect(Math.abs(s - want[i]) / Math.max(1e-6, Math.abs(want[i])), `batch ${batch} row ${i}`).toBeLessThanOrEqual(1e-4));
    }
  });
});

describe('a TuneKit-saved reward model in reward_funcs', () => {
  let base: string;
  let trained: SequenceClassificationModel;
  let adapterDir: string;
  let fullDir: string;
  const prompts = [[{ role: 'user' as const, content: 'What colour is the sky?' }], [{ role: 'user' as const, content: 'Name a fruit.' }], [{ role: 'user' as const, content: 'Hi' }]];
  const completions = [[{ role: 'assistant' as const, content: 'blue' }], [{ role: 'assistant' as const, content: 'an apple' }], [{ role: 'assistant' as const, content: 'hello there, friend' }]];

  beforeAll(async () => {
    base = join(tempDir(), 'base');
    await createTinyModel({ arch: 'llama', dir: base, seed: 5, hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: 2, vocab: 320 });
    // What task: reward with LoRA trains: an adapter on the base's reward model, its head fully trained (modules_to_save).
    const { model } = await loadRewardModel(base, { dtype: 'f32', seed: 1 });
    const handle = LORA_METHOD.apply(model, parseLoraConfig({ r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ['q_proj', 'v_proj'], task_type: 'SEQ_CLS', modules_to_save: ['score'] }), { seed: 2 });
    const rng = new Rng(9);
    // Stand-in for training: every trainable value moved, so the adapter and the head both matter.
    for (const [, p] of model.namedParameters().filter(([, p]) => p.requiresGrad)) p.assign(HostTensor.f32(p.shape, Float32Array.from({ length: p.value.size }, () => rng.normal() * 0.3)));
    model.train(false);
    trained = model;
    adapterDir = join(tempDir(), 'rm-lora');
    await handle.save(adapterDir, { baseModel: base });
    // A full save (task: reward with method: full) of the same function: the merged model.
    fullDir = join(tempDir(), 'rm-full');
    const merged = handle.mergeAndUnload() as SequenceClassificationModel;
    await FULL_METHOD.apply(merged, null).save(fullDir);
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(base, f), join(fullDir, f));
  });

  /** The reference: the trained model in memory, scoring the chat-templated texts one at a time. */
  async function direct(): Promise<number[]> {
    const tokenizer = await HfTokenizer.fromDir(base);
    const texts = prompts.map((p, i) => tokenizer.applyChatTemplate([...p, ...completions[i]]));
    const out: number[] = [];
    for (const text of texts) {
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      const score = trained.call(Tensor.input('ids', [1, ids.length], 'i64'));
      const [v] = await executor.compile([score]).run({ ids: HostTensor.i64([1, ids.length], ids), ...takeTracedFeeds() });
      out.push(v.toFloat32()[0]);
    }
    return out;
  }

  it('base + SEQ_CLS adapter and the full save both score conversations through the chat template, batched, as the model in memory does', async () => {
    const want = await direct();
    for (const dir of [adapterDir, fullDir]) {
      const source = await loadRewardSource(dir, '/');
      expect(source.name).toBe(dir.split('/').pop());
      const fn = bindRewardSource(source, executor, 2);
      const got = await fn.fn({ prompts, completions, completionIds: [[], [], []] });
      got.forEach((s, i) => expect(s, `${dir} row ${i}`).toBeCloseTo(want[i], 4));
    }
    // The scores differ by row: the model is not a constant.
    expect(new Set(want.map((x) => x.toFixed(4))).size).toBe(3);
  });

  it('builds TRL’s texts: conversations through the template, plain prompts concatenated', async () => {
    const tokenizer = await HfTokenizer.fromDir(base);
    expect(rewardTexts(tokenizer, { prompts: ['2+2='], completions: ['4'] })).toEqual(['2+2=4']);
    expect(rewardTexts(tokenizer, { prompts: [prompts[0]], completions: [completions[0]] })).toEqual(['<|im_start|>user\nWhat colour is the sky?<|im_end|>\n<|im_start|>assistant\nblue<|im_end|>\n']);
  });

  it('refuses a causal LM, whose head would be random', async () => {
    await expect(loadRewardModelFrom(base, '/')).rejects.toThrow(/is a causal LM, whose new reward head would score at random/);
  });
});
