import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Rng, Tensor, readSafetensors, takeTracedFeeds } from '@tunekit/core';
import { promptRecord } from '@tunekit/data';
import { HfTokenizer, type SequenceClassificationModel, loadSequenceClassifier } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { FULL_METHOD, LORA_METHOD, parseLoraConfig } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRewardModel } from '../reward/reward.model.js';
import { tempDir } from './online.test-support.js';
import { bindRewardSource, loadRewardModelFrom, loadRewardSource, rewardRows, scoreRows } from './reward-model.source.js';

const GPT2 = fileURLToPath(new URL('../../../../../shared/fixtures/tiny-random-gpt2/', import.meta.url));
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

  /** The reference: the trained model in memory, scoring token rows one at a time. */
  async function direct(rows: readonly number[][]): Promise<number[]> {
    const out: number[] = [];
    for (const ids of rows) {
      const score = trained.call(Tensor.input('ids', [1, ids.length], 'i64'));
      const [v] = await executor.compile([score]).run({ ids: HostTensor.i64([1, ids.length], ids), ...takeTracedFeeds() });
      out.push(v.toFloat32()[0]);
    }
    return out;
  }

  it('base + SEQ_CLS adapter and the full save score conversations and texts, batched, as the model in memory scores the same rows', async () => {
    const tokenizer = await HfTokenizer.fromDir(base);
    const cases = [
      { prompts, completions, want: await direct(rewardRows(tokenizer, { prompts, completions })) },
      { prompts: texts, completions: textCompletions, want: await direct(rewardRows(tokenizer, { prompts: texts, completions: textCompletions })) },
    ];
    for (const dir of [adapterDir, fullDir]) {
      const source = await loadRewardSource(dir, '/');
      expect(source.name).toBe(dir.split('/').pop());
      const fn = bindRewardSource(source, executor, { batchSize: 2 });
      for (const { prompts: ps, completions: cs, want } of cases) {
        const got = await fn.fn({ prompts: ps, completions: cs, completionIds: cs.map(() => []) });
        got.forEach((s, i) => expect(s, `${dir} row ${i}`).toBeCloseTo(want[i], 4));
      }
    }
    // The scores differ by row: the model is not a constant.
    expect(new Set(cases[0].want.map((x) => x.toFixed(4))).size).toBe(3);
  });

  it('refuses a causal LM, whose head would be random', async () => {
    await expect(loadRewardModelFrom(base, '/')).rejects.toThrow(/is a causal LM, whose new reward head would score at random/);
  });
});

describe('reward model rows as TRL 1.9 builds them (GRPOTrainer._calculate_rewards), with the ChatML tokenizer of golden-peft/base', () => {
  const CHATML = fileURLToPath(new URL('../../../../../shared/fixtures/golden-peft/base/', import.meta.url));
  // The tokenizer's special tokens and newline (tokenizer.json: added_tokens, vocab "Ċ").
  const [IM_START, IM_END, NEWLINE] = [1, 2, 13];
  const user = (content: string) => [{ role: 'user' as const, content }];
  const assistant = (content: string) => [{ role: 'assistant' as const, content }];

  it('a conversation is the whole prompt + completion through the chat template, ending in the "\\n" after <|im_end|>', async () => {
    const tk = await HfTokenizer.fromDir(CHATML);
    const piece = (text: string) => tk.encode(text, { addSpecialTokens: false });
    const turn = (role: string, content: string) => [IM_START, ...piece(`${role}\n${content}`), IM_END, NEWLINE];
    const rows = rewardRows(tk, { prompts: [user('What colour is the sky?'), user('Hi')], completions: [assistant('blue'), 'hello'] });
    expect(rows).toEqual([
      [...turn('user', 'What colour is the sky?'), ...turn('assistant', 'blue')],
      // A text completion of a conversation is the assistant's turn.
      [...turn('user', 'Hi'), ...turn('assistant', 'hello')],
    ]);
  });

  it('text is prompt + completion encoded as one string, with no special tokens added and no eos', async () => {
    const tk = await HfTokenizer.fromDir(CHATML);
    const rows = rewardRows(tk, { prompts: ['Rosa has a white', '2+2='], completions: [' cap.', '4'] });
    expect(rows).toEqual([tk.encode('Rosa has a white cap.', { addSpecialTokens: false }), tk.encode('2+2=4', { addSpecialTokens: false })]);
    expect(rows.flat()).not.toContain(IM_END);
    expect(() => rewardRows(tk, { prompts: ['a', user('b')], completions: ['c', assistant('d')] })).toThrow(/prompt 1 is a conversation but the first prompt is text/);
  });

  it('chat_template_kwargs reach the reward model\'s template (and the prompts the policy reads)', async () => {
    // The fixture's ChatML template with a Qwen3-style switch: an empty think block in assistant turns unless enable_thinking.
    const dir = tempDir();
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(CHATML, f), join(dir, f));
    const config = JSON.parse(readFileSync(join(CHATML, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
    const template = "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' }}{% if m['role'] == 'assistant' and enable_thinking is defined and not enable_thinking %}{{ '<think></think>' }}{% endif %}{{ m['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% if enable_thinking is defined and not enable_thinking %}{{ '<think></think>' }}{% endif %}{% endif %}";
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...config, chat_template: template }));
    const tk = await HfTokenizer.fromDir(dir);
    const piece = (text: string) => tk.encode(text, { addSpecialTokens: false });
    const inputs = { prompts: [user('Hi')], completions: [assistant('hello')] };
    const plain = [IM_START, ...piece('user\nHi'), IM_END, NEWLINE, IM_START, ...piece('assistant\nhello'), IM_END, NEWLINE];
    expect(rewardRows(tk, inputs)).toEqual([plain]);
    expect(rewardRows(tk, inputs, { enable_thinking: false })).toEqual([[IM_START, ...piece('user\nHi'), IM_END, NEWLINE, IM_START, ...piece('assistant\n<think></think>hello'), IM_END, NEWLINE]]);
    const source = { file: 'prompts.jsonl', line: 1 };
    const prompt = promptRecord({ prompt: user('Hi') }, source, tk, { chatTemplateKwargs: { enable_thinking: false } });
    expect(prompt.promptIds).toEqual([IM_START, ...piece('user\nHi'), IM_END, NEWLINE, IM_START, ...piece('assistant\n<think></think>')]);
  });

  it('refuses a row past a learned-position reward model\'s positions (GPT-2: n_positions 512) instead of truncating it', async () => {
    const { model } = await loadRewardModel(GPT2, { dtype: 'f32', seed: 0 });
    const row = (n: number) => Array.from({ length: n }, (_, i) => 5 + (i % 90));
    expect(await scoreRows(model, executor, [row(512)], 1)).toHaveLength(1);
    await expect(scoreRows(model, executor, [row(3), row(513)], 2)).rejects.toThrow("reward model: a 513-token row passes gpt2's 512 positions (learned position embeddings)");
  });

  it('is not truncated: TRL tokenizes the texts without truncation, past the tokenizer\'s model_max_length', async () => {
    const tk = await HfTokenizer.fromDir(CHATML);
    const long = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
    const [row] = rewardRows(tk, { prompts: [user(long)], completions: [assistant(long)] });
    expect(row.length).toBeGreaterThan(2 * 256);
    expect(row.slice(-2)).toEqual([IM_END, NEWLINE]);
  });
});
