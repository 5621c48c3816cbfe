import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Rng, Tensor, readSafetensors, takeTracedFeeds } from '@tunekit/core';
import { type TokenizedPair, type Turn, loadPreferenceDataset } from '@tunekit/data';
import { HfTokenizer, type SequenceClassificationModel, loadSequenceClassifier } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { FULL_METHOD, LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRewardModel } from '../reward/reward.model.js';
import { tempDir } from './online.test-support.js';
import { bindRewardSource, loadRewardModelFrom, loadRewardSource, rewardRows, scoreRows } from './reward-model.source.js';

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

  const texts = ['Rosa has a white cap.\nColour:', 'Tom has a red', '2+2='];
  const textCompletions = [' white', ' red ball', '4'];

  /**
   * What `task: reward` trained on: each prompt with a completion as the chosen side of a pair,
   * through the preference pipeline (format, tokenization, truncation), as prompt + chosen ids.
   */
  async function trainedRows(tokenizer: HfTokenizer, ps: readonly Turn[], cs: readonly Turn[]): Promise<number[][]> {
    const file = join(tempDir(), 'pairs.jsonl');
    const rejected = (c: Turn): Turn => (typeof c === 'string' ? ' no' : [{ role: 'assistant', content: ' no' }]);
    writeFileSync(file, ps.map((prompt, i) => JSON.stringify({ prompt, chosen: cs[i], rejected: rejected(cs[i]) })).join('\n'));
    const { train } = await loadPreferenceDataset({ path: file, shuffle: false }, tokenizer);
    return (train.examples as TokenizedPair[]).map((x) => [...x.prompt, ...x.chosen]);
  }

  /** The reference: the trained model in memory, scoring the rows it was trained on one at a time. */
  async function direct(rows: readonly number[][]): Promise<number[]> {
    const out: number[] = [];
    for (const ids of rows) {
      const score = trained.call(Tensor.input('ids', [1, ids.length], 'i64'));
      const [v] = await executor.compile([score]).run({ ids: HostTensor.i64([1, ids.length], ids), ...takeTracedFeeds() });
      out.push(v.toFloat32()[0]);
    }
    return out;
  }

  it('base + SEQ_CLS adapter and the full save score conversations and texts, batched, as the model in memory scores the rows it was trained on', async () => {
    const tokenizer = await HfTokenizer.fromDir(base);
    const cases = [
      { prompts, completions, want: await direct(await trainedRows(tokenizer, prompts, completions)) },
      { prompts: texts, completions: textCompletions, want: await direct(await trainedRows(tokenizer, texts, textCompletions)) },
    ];
    for (const dir of [adapterDir, fullDir]) {
      const source = await loadRewardSource(dir, '/');
      expect(source.name).toBe(dir.split('/').pop());
      const fn = bindRewardSource(source, executor, 2);
      for (const { prompts: ps, completions: cs, want } of cases) {
        const got = await fn.fn({ prompts: ps, completions: cs, completionIds: cs.map(() => []) });
        got.forEach((s, i) => expect(s, `${dir} row ${i}`).toBeCloseTo(want[i], 4));
      }
    }
    // The scores differ by row: the model is not a constant.
    expect(new Set(cases[0].want.map((x) => x.toFixed(4))).size).toBe(3);
  });

  it('scores the ids the preference pipeline trained on, not a re-rendered text (ChatML’s "\\n" after <|im_end|>; BOS and eos of text)', async () => {
    const tokenizer = await HfTokenizer.fromDir(base);
    const chat = rewardRows(tokenizer, { prompts, completions });
    expect(chat).toEqual(await trainedRows(tokenizer, prompts, completions));
    // TRL's GRPO text would end in the template's newline, a token the reward model never read last.
    const rendered = tokenizer.encode(tokenizer.applyChatTemplate([...prompts[0], ...completions[0]]), { addSpecialTokens: false });
    expect(rendered.slice(0, -1)).toEqual(chat[0]);
    expect(chat[0].at(-1)).toBe(tokenizer.eosTokenId);
    // A conversation's text completion is the assistant's turn.
    expect(rewardRows(tokenizer, { prompts: [prompts[0]], completions: ['blue'] })).toEqual([chat[0]]);
    // Text, with a tokenizer that adds a BOS (as Llama's does): BOS, prompt, completion, eos.
    const bosDir = tempDir();
    copyFileSync(join(base, 'tokenizer_config.json'), join(bosDir, 'tokenizer_config.json'));
    const json = JSON.parse(readFileSync(join(base, 'tokenizer.json'), 'utf8')) as Record<string, unknown>;
    const bos = { id: '<|endoftext|>', ids: [0], tokens: ['<|endoftext|>'] };
    const single = [{ SpecialToken: { id: bos.id, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }];
    writeFileSync(join(bosDir, 'tokenizer.json'), JSON.stringify({ ...json, post_processor: { type: 'TemplateProcessing', single, pair: [...single, { Sequence: { id: 'B', type_id: 1 } }], special_tokens: { [bos.id]: bos } } }));
    const withBos = await HfTokenizer.fromDir(bosDir);
    const text = rewardRows(withBos, { prompts: texts, completions: textCompletions });
    expect(text).toEqual(await trainedRows(withBos, texts, textCompletions));
    expect(text.map((r) => [r[0], r.at(-1)])).toEqual(texts.map(() => [0, withBos.eosTokenId]));
  });

  it('refuses a causal LM, whose head would be random', async () => {
    await expect(loadRewardModelFrom(base, '/')).rejects.toThrow(/is a causal LM, whose new reward head would score at random/);
  });
});
