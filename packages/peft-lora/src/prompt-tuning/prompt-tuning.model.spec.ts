import { OrtExecutor } from '@tunekit/core';
import { type CausalLMBase, type HfTokenizer, createModel, generate, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TinyArch, at, greedyByRecomputing, loadTiny, logitsOf, maxAbsDiff, tinyCheckpoint, trainSteps } from '../testing/prompt-learning.test-support.js';
import { parsePromptTuningConfig } from './prompt-tuning.config.js';
import { PROMPT_TUNING_METHOD } from './prompt-tuning.method.js';
import { initTokenIds, injectPromptTuning } from './prompt-tuning.model.js';

const config = (raw: Record<string, unknown>) => parsePromptTuningConfig(raw);

describe('prompt tuning: parameters', () => {
  it("installs PEFT's prompt encoder, freezes the base model and prints PEFT's line (SmolLM2-135M, 20 virtual tokens)", () => {
    const model = createModel(parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' })), { dtype: 'bf16', empty: true });
    const handle = PROMPT_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 20 }));
    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n, p]) => `${n} [${p.shape}] ${p.dtype}`);
    expect(trainable).toEqual(['prompt_encoder.default.embedding.weight [20,576] f32']);
    expect(model.namedParameters().every(([n, p]) => p.name === n)).toBe(true);
    expect(handle.trainableParametersLine()).toBe('trainable params: 11,520 || all params: 134,526,528 || trainable%: 0.0086');
    expect(handle.method).toBe('prompt_tuning');
  });

  it('repeats or cuts the init text to the number of virtual tokens, as PEFT does', () => {
    expect(initTokenIds([4, 5, 6], 7)).toEqual([4, 5, 6, 4, 5, 6, 4]);
    expect(initTokenIds([4, 5, 6], 2)).toEqual([4, 5]);
    expect(initTokenIds([4, 5, 6], 3)).toEqual([4, 5, 6]);
    expect(() => initTokenIds([], 3)).toThrow('prompt_tuning_init_text encodes to no tokens');
  });
});

/** TEXT init puts the text's embeddings in front: the logits equal the base model's on the text followed by the rows. */
async function expectTextInitIsTheText(dir: string, tokenizer: HfTokenizer, base: CausalLMBase, ort: OrtExecutor): Promise<void> {
  const text = 'Answer yes:';
  const textIds = tokenizer.encode(text);
  const model = await loadTiny(dir);
  injectPromptTuning(model, config({ num_virtual_tokens: textIds.length, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: text }), { tokenizer });
  const rows = [[5, 17, 42, 8], [60, 61, 62, 63]];
  const adapted = await logitsOf(model, ort, rows);
  const literal = await logitsOf(base, ort, rows.map((r) => [...textIds, ...r]));
  expect(adapted.shape).toEqual([2, 4, model.config.vocab]);
  for (let b = 0; b < 2; b++) for (let t = 0; t < 4; t++) expect(maxAbsDiff(at(adapted, b, t), at(literal, b, textIds.length + t))).toBeLessThan(1e-4);
  // A prompt shorter than the text takes its first tokens.
  const short = await loadTiny(dir);
  injectPromptTuning(short, config({ num_virtual_tokens: 3, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: text }), { tokenizer });
  const cut = await logitsOf(base, ort, [[...textIds.slice(0, 3), ...rows[0]]]);
  expect(maxAbsDiff(at(await logitsOf(short, ort, [rows[0]]), 0, 3), at(cut, 0, 6))).toBeLessThan(1e-4);
}

describe.each(['llama', 'gpt2'] as const)('prompt tuning on a tiny %s', (arch: TinyArch) => {
  let dir = '';
  let tokenizer: HfTokenizer;
  let cleanup: () => Promise<void>;
  let base: CausalLMBase;
  const ort = new OrtExecutor({ threads: 1 });
  beforeAll(async () => {
    ({ dir, tokenizer, cleanup } = await tinyCheckpoint(arch));
    base = await loadTiny(dir);
  });
  afterAll(async () => {
    await ort.dispose();
    await cleanup();
  });

  it('with TEXT init, the logits are those of running the base model on the init text first', () => expectTextInitIsTheText(dir, tokenizer, base, ort));

  it('starts RANDOM prompts at N(0, 1); disableAdapter traces the base model; merging is refused', async () => {
    const model = await loadTiny(dir);
    const handle = PROMPT_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 8 }), { seed: 3 });
    const rows = [[5, 17, 42, 8]];
    const values = model.namedParameters().find(([n]) => n === 'prompt_encoder.default.embedding.weight')![1].value.toFloat32();
    const meanSquare = values.reduce((s, v) => s + v * v, 0) / values.length;
    expect(meanSquare).toBeGreaterThan(0.8);
    expect(meanSquare).toBeLessThan(1.2);
    const baseLogits = await logitsOf(base, ort, rows);
    expect(maxAbsDiff((await logitsOf(model, ort, rows)).toFloat32(), baseLogits.toFloat32())).toBeGreaterThan(1e-2);
    const disabled = await handle.disableAdapter(() => logitsOf(model, ort, rows));
    expect(maxAbsDiff(disabled.toFloat32(), baseLogits.toFloat32())).toBe(0);
    expect(() => handle.mergeAndUnload()).toThrow(
      'prompt_tuning: cannot merge into the base weights: the adapter adds 8 virtual tokens in front of every input and changes no weight; save it and load it on the base model instead',
    );
    expect(() => PROMPT_TUNING_METHOD.apply(model, config({ num_virtual_tokens: 2 }))).toThrow('a virtual token source is already installed');
  });

  it('trains only the prompt: the loss falls in a few steps and the base weights stay as they were', async () => {
    const model = await loadTiny(dir);
    injectPromptTuning(model, config({ num_virtual_tokens: 4, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Q1:' }), { tokenizer });
    const before = new Map(model.namedParameters().map(([n, p]) => [n, p.value.toFloat32().slice()]));
    const losses = await trainSteps(model, [[5, 17, 42, 8, 9, 10], [60, 61, 62, 63, 64, 65]], 10);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);
    for (const [n, p] of model.namedParameters()) expect(maxAbsDiff(p.value.toFloat32(), before.get(n)!) > 0, n).toBe(n.startsWith('prompt_encoder.'));
  });

  it('greedy generation with the static KV cache equals recomputing the whole sequence each step', async () => {
    const model = await loadTiny(dir);
    injectPromptTuning(model, config({ num_virtual_tokens: 5 }), { seed: 4 });
    const prompts = [[5, 77, 140, 9, 200], [8, 9]];
    const result = await generate(model, ort, prompts, { maxNewTokens: 8, eosTokenIds: [] });
    for (const [row, prompt] of prompts.entries()) expect(result.outputIds[row]).toEqual(await greedyByRecomputing(model, ort, prompt, 8));
    // The prompt matters: the base model continues differently.
    const plain = await generate(base, ort, prompts, { maxNewTokens: 8, eosTokenIds: [] });
    expect(plain.outputIds).not.toEqual(result.outputIds);
  });
});

// Gemma scales embeddings by √hidden: Gemma 2 scales every input embedding (the prompt's too), Gemma 3
// only the tokens' (its embedding module does it), so PEFT's TEXT init takes scaled rows there.
describe.each(['gemma2', 'gemma3_text'] as const)('prompt tuning TEXT init on a tiny %s', (arch: TinyArch) => {
  let dir = '';
  let tokenizer: HfTokenizer;
  let cleanup: () => Promise<void>;
  const ort = new OrtExecutor({ threads: 1 });
  beforeAll(async () => ({ dir, tokenizer, cleanup } = await tinyCheckpoint(arch)));
  afterAll(async () => {
    await ort.dispose();
    await cleanup();
  });

  it('the logits are those of running the base model on the init text first', async () => expectTextInitIsTheText(dir, tokenizer, await loadTiny(dir), ort));
});
