import { type Executor, OrtExecutor } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import { type LoadedModel, loadModel } from '../loading/load-model.js';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { createTinyModel } from '../testing/create-tiny-model.js';
import type { TinyArch } from '../testing/tiny-presets.js';
import { logitsAt, runModel } from '../testing/model.test-support.js';
import { TINY_TOKENIZER_SIZE } from '../testing/tiny-tokenizer.js';
import { HfTokenizer } from '../tokenizer/hf-tokenizer.js';
import { argmax } from './sampler.js';
import { type TokenEvent, generate, generateStream } from './generator.js';

const dirs = tempDirs();
const models = new Map<TinyArch, LoadedModel>();
// The executor is the caller's: loading a model makes none.
const executor = new OrtExecutor();
afterAll(async () => {
  await executor.dispose();
  await dirs.cleanup();
});

beforeAll(async () => {
  for (const arch of ['llama', 'gpt2'] as const) {
    // The vocab matches the tiny tokenizer so every generated id decodes. Weights 10× transformers'
    // init make attention matter to the argmax: at std 0.02 a token's own embedding decides it, and
    // a wrong mask or position would go unseen.
    const tiny = await createTinyModel({ arch, dir: await dirs.make(`gen-${arch}`), seed: 11, vocab: TINY_TOKENIZER_SIZE, config: { initializer_range: 0.2 } });
    models.set(arch, await loadModel(tiny.dir));
  }
});

const get = (arch: TinyArch) => models.get(arch)!;

/** Greedy decoding the slow way: the whole sequence through the model again for every token. */
async function greedyByRecomputing(model: CausalLM, prompt: readonly number[], newTokens: number): Promise<number[]> {
  const executor = new OrtExecutor();
  const ids = [...prompt];
  for (let i = 0; i < newTokens; i++) {
    const { logits } = await runModel(model, executor, { ids: [ids] });
    ids.push(argmax(logitsAt(logits, 0, ids.length - 1)));
  }
  await executor.dispose();
  return ids.slice(prompt.length);
}

describe.each(['llama', 'gpt2'] as const)('greedy generation on a tiny %s', (arch) => {
  it('decoding with the static KV cache picks the tokens recomputing the full sequence picks', async () => {
    const { model } = get(arch);
    const prompt = [5, 77, 140, 9, 200];
    const result = await generate(model, executor, [prompt], { maxNewTokens: 12, eosTokenIds: [] });
    expect(result.outputIds[0]).toEqual(await greedyByRecomputing(model, prompt, 12));
    expect(result.sequences[0]).toEqual([...prompt, ...result.outputIds[0]]);
    expect(result.finishReasons).toEqual(['length']);
  });

  it('a left-padded batch with rows of different lengths and stop points equals generating each row alone', async () => {
    const { model } = get(arch);
    const prompts = [[3, 4, 5], [100, 101, 102, 103, 104, 105, 106, 107, 108], [60, 61, 62, 63, 64, 65]];
    const alone = async (prompt: number[], eosTokenIds: number[]) => generate(model, executor, [prompt], { maxNewTokens: 10, eosTokenIds });
    // Make the second token of row 0 an EOS: rows then stop wherever (if anywhere) they produce it.
    const eos = (await alone(prompts[0], [])).outputIds[0][1];
    const singles = await Promise.all(prompts.map((p) => alone(p, [eos])));
    const batched = await generate(model, executor, prompts, { maxNewTokens: 10, eosTokenIds: [eos] });
    expect(batched.outputIds).toEqual(singles.map((s) => s.outputIds[0]));
    expect(batched.finishReasons).toEqual(singles.map((s) => s.finishReasons[0]));
    expect(batched.finishReasons[0]).toBe('eos');
    expect(new Set(batched.outputIds.map((o) => o.length)).size).toBeGreaterThan(1);
  });
});

describe('generation programs and sampling', () => {
  it('compiles exactly two programs for a 20-token generation, and none for a second one of the same shape', async () => {
    const { model } = get('llama');
    const executor = new OrtExecutor();
    await generate(model, executor, [[1, 2, 3, 4]], { maxNewTokens: 20, eosTokenIds: [] });
    expect(executor.sessionsCreated).toBe(2);
    await generate(model, executor, [[9, 8, 7]], { maxNewTokens: 20, eosTokenIds: [] });
    expect(executor.sessionsCreated).toBe(2);
    await executor.dispose();
  });

  it('prefills a repeated prompt once (a [2, P] prefill for 2 distinct prompts in 5 rows), with the tokens of prefilling every row', async () => {
    const { model } = get('llama');
    const [p, q] = [[5, 77, 140, 9, 200], [31, 32]];
    const rows = [p, q, p, p, q];
    const options = { maxNewTokens: 8, eosTokenIds: [], doSample: true, temperature: 1.5, topK: 0, seed: 4 };
    const prefillBatches: number[] = [];
    const spy: Executor = {
      name: executor.name,
      compile: (outputs) => (prefillBatches.push(outputs[0].shape[0]), executor.compile(outputs)),
      dispose: () => executor.dispose(),
    };
    const folded = await generate(model, spy, rows, options);
    // The prefill's logits are [distinct prompts, V]; the decode step's are [rows, V].
    expect(prefillBatches).toEqual([2, 5]);
    // Distinct prompts of the same lengths (one id changed) are all prefilled: the reference.
    const unfolded = await generate(model, executor, [p, q, [...p.slice(0, 4), 201], [...p.slice(0, 4), 202], [31, 33]], options);
    expect(folded.outputIds[0]).toEqual(unfolded.outputIds[0]);
    expect(folded.outputIds[1]).toEqual(unfolded.outputIds[1]);
    // Every row samples on its own: repeats of a prompt do not copy each other's tokens.
    expect(new Set([0, 2, 3].map((r) => folded.outputIds[r].join())).size).toBeGreaterThan(1);
    const alone = await generate(model, executor, [p], { maxNewTokens: 8, eosTokenIds: [] });
    const greedy = await generate(model, executor, rows, { maxNewTokens: 8, eosTokenIds: [] });
    for (const r of [0, 2, 3]) expect(greedy.outputIds[r]).toEqual(alone.outputIds[0]);
  });

  it('a cache that grows mid-generation (24 → 32 → 48 slots) picks the tokens of one that never grows, compiling a decode program per size', async () => {
    const { model } = get('llama');
    const executor = new OrtExecutor();
    const prompts = [[5, 77, 140, 9], [3, 4, 5, 6, 7, 8, 9]];
    // Prompts pad to 16 slots and 30 new tokens need 45: in multiples of 8 the cache starts at 24.
    const options = { maxNewTokens: 30, eosTokenIds: [], promptMultiple: 16 };
    const grown = await generate(model, executor, prompts, { ...options, cacheMultiple: 8 });
    expect(executor.sessionsCreated).toBe(4);
    const whole = await generate(model, executor, prompts, { ...options, cacheMultiple: 64 });
    expect(grown.outputIds).toEqual(whole.outputIds);
    expect(grown.outputIds[0]).toEqual(await greedyByRecomputing(model, prompts[0], 30));
    const sampling = { ...options, doSample: true, temperature: 1.5, topK: 0, seed: 7 };
    expect((await generate(model, executor, prompts, { ...sampling, cacheMultiple: 8 })).outputIds).toEqual(
      (await generate(model, executor, prompts, { ...sampling, cacheMultiple: 64 })).outputIds,
    );
    await executor.dispose();
  });

  it('sampling at a temperature alone draws from probabilities the decode program computes: the tokens the host pipeline draws', async () => {
    const { model, config } = get('llama');
    const rows = [[10, 20, 30], [10, 20, 30], [7, 8]];
    const sample = (topK: number) => generate(model, executor, rows, { maxNewTokens: 16, eosTokenIds: [], doSample: true, temperature: 0.8, topK, seed: 5 });
    // top-k over the whole vocabulary removes nothing but keeps the host's processors (and exps) on.
    const [traced, host] = [await sample(0), await sample(config.vocab)];
    expect(traced.outputIds).toEqual(host.outputIds);
    expect(new Set(traced.outputIds.map((ids) => ids.join())).size).toBe(3);
  });

  it('sampling with a seed replays exactly, a different seed differs, and top-k = 1 is greedy', async () => {
    const { model } = get('llama');
    const sample = (seed: number, extra: object = {}) =>
      generate(model, executor, [[10, 20, 30]], { maxNewTokens: 12, eosTokenIds: [], doSample: true, temperature: 1.5, topK: 0, seed, ...extra });
    const a = await sample(1);
    expect((await sample(1)).outputIds).toEqual(a.outputIds);
    expect((await sample(2)).outputIds).not.toEqual(a.outputIds);
    const greedy = await generate(model, executor, [[10, 20, 30]], { maxNewTokens: 12, eosTokenIds: [] });
    expect((await sample(3, { topK: 1 })).outputIds).toEqual(greedy.outputIds);
    expect(greedy.outputIds).not.toEqual(a.outputIds);
  });

  it('streams each row as it goes: the streamed text is the decode of the final ids', async () => {
    const { model, dir } = get('llama');
    const tokenizer = await HfTokenizer.fromDir(dir);
    const events: TokenEvent[] = [];
    const stream = generateStream(model, executor, { texts: ['the cat', 'in a hat on the mat'], chat: true }, { tokenizer, maxNewTokens: 16, eosTokenIds: [] });
    let next = await stream.next();
    for (; !next.done; next = await stream.next()) events.push(next.value);
    const result = next.value;
    expect(result.sequences[1].slice(0, -16)).toEqual(tokenizer.encodeChat([{ role: 'user', content: 'in a hat on the mat' }], { addGenerationPrompt: true }));
    for (const row of [0, 1]) {
      const mine = events.filter((e) => e.row === row);
      expect(mine.map((e) => e.tokenId)).toEqual(result.outputIds[row]);
      expect(mine.map((e) => e.step)).toEqual([...Array(16).keys()]);
      const decoded = tokenizer.decode(result.outputIds[row], { skipSpecialTokens: true, cleanUpTokenizationSpaces: false });
      expect(mine.map((e) => e.text).join('')).toBe(decoded);
      expect(result.texts[row]).toBe(decoded);
    }
    expect(result.texts.join('').length).toBeGreaterThan(0);
  });

  it('ends only the row whose text reaches a stop string, keeping the token that completed it', async () => {
    const { model, dir } = get('llama');
    const tokenizer = await HfTokenizer.fromDir(dir);
    const prompts = [[40, 41, 42], [90, 91]];
    const options = { tokenizer, maxNewTokens: 12, eosTokenIds: [] };
    const free = await generate(model, executor, prompts, options);
    // A stop string from the middle of row 0's text that row 1's text lacks (random bytes decode
    // to U+FFFD too, which is no character a user would stop on).
    const candidates = [...Array(Math.max(0, free.texts[0].length - 3)).keys()].map((i) => free.texts[0].slice(i + 1, i + 3));
    const stop = candidates.find((s) => !free.texts[1].includes(s) && !s.includes('\ufffd') && s.trim().length === 2);
    expect(stop).toBeDefined();
    const deltas: string[] = [];
    const stopped = await generate(model, executor, prompts, { ...options, stopStrings: [stop!], onToken: (e) => e.row === 0 && deltas.push(e.text) });
    expect(stopped.finishReasons).toEqual(['stop_string', 'length']);
    expect(stopped.outputIds[1]).toEqual(free.outputIds[1]);
    expect(stopped.outputIds[0]).toEqual(free.outputIds[0].slice(0, stopped.outputIds[0].length));
    expect(stopped.outputIds[0].length).toBeLessThan(12);
    expect(stopped.texts[0]).toContain(stop);
    expect(deltas.slice(0, -1).join('')).not.toContain(stop);
  });

  it('rejects ids outside the vocabulary and stop strings without a tokenizer', async () => {
    const { model } = get('gpt2');
    await expect(generate(model, executor, [[1, TINY_TOKENIZER_SIZE]])).rejects.toThrow(/token id 269, outside the model's vocabulary of 269/);
    await expect(generate(model, executor, [[1]], { stopStrings: ['x'] })).rejects.toThrow(/stop strings need a tokenizer/);
    await expect(generate(model, executor, [[1]], { maxNewTokens: 300 })).rejects.toThrow(/passes gpt2's 256 positions/);
  });
});

describe('log-probs of the chosen tokens', () => {
  /** log softmax(logits / temperature) at every generated position, from one forward over the whole sequence. */
  async function recomputed(model: CausalLM, prompt: readonly number[], output: readonly number[], temperature: number): Promise<number[]> {
    const { logits } = await runModel(model, executor, { ids: [[...prompt, ...output]] });
    return output.map((token, i) => {
      const row = logitsAt(logits, 0, prompt.length - 1 + i);
      const scaled = Array.from(row, (v) => v / temperature);
      const max = Math.max(...scaled);
      return scaled[token] - max - Math.log(scaled.reduce((t, v) => t + Math.exp(v - max), 0));
    });
  }

  // Greedy; sampling from the probabilities the decode program computes; and from host-processed logits (top-k).
  it.each([
    ['greedy', { doSample: false }, 1],
    ['sampling at temperature 0.7', { doSample: true, temperature: 0.7, seed: 3 }, 0.7],
    ['sampling with top-k (processed on the host)', { doSample: true, temperature: 0.7, topK: 20, seed: 3 }, 0.7],
  ] as const)('%s: each is log softmax(logits / temperature) of the full forward at its position', async (_, options, temperature) => {
    const { model } = get('llama');
    const prompt = [5, 77, 140, 9, 200];
    const result = await generate(model, executor, [prompt, prompt], { maxNewTokens: 8, eosTokenIds: [], outputLogprobs: true, ...options });
    for (const row of [0, 1]) {
      expect(result.logprobs![row]).toHaveLength(8);
      const want = await recomputed(model, prompt, result.outputIds[row], temperature);
      result.logprobs![row].forEach((lp, i) => expect(lp).toBeCloseTo(want[i], 4));
    }
  });
});
