import { HostTensor, Module, OrtExecutor, Tensor } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../generation/generator.js';
import { argmax } from '../generation/sampler.js';
import { loadModel } from '../loading/load-model.js';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { type TinyModelOptions, createTinyModel } from '../testing/create-tiny-model.js';
import { logitsAt, maxAbsDiff, randomIds, runModel } from '../testing/model.test-support.js';
import { TINY_TOKENIZER_SIZE } from '../testing/tiny-tokenizer.js';
import type { CausalLMBase } from './causal-lm.base.js';
import type { KvEntry } from './causal-lm.interface.js';
import type { VirtualTokenSource, VirtualTokens } from './virtual-tokens.js';

const MODELS: [string, Omit<TinyModelOptions, 'dir' | 'seed'>][] = [
  ['llama', { arch: 'llama' }],
  ['qwen3 (q/k norms)', { arch: 'qwen3' }],
  ['mistral, sliding window 4', { arch: 'mistral', config: { sliding_window: 4 } }],
  ['gpt2', { arch: 'gpt2' }],
];

const TOL = 1e-4;

/** A source that hands the model fixed virtual tokens, as a prompt-learning method's module would. */
class FixedSource extends Module implements VirtualTokenSource {
  constructor(private readonly tokens: () => VirtualTokens) {
    super();
  }
  forward(): VirtualTokens {
    return this.tokens();
  }
}

/** The model's own embeddings of `ids` as [1, n, H] (what prompt tuning's TEXT init starts from). */
function embeddingsOf(model: CausalLMBase, ids: readonly number[]): Tensor {
  const table = model.inputEmbeddings().weight.value.toFloat32();
  const hidden = model.config.hidden;
  const rows = ids.flatMap((id) => [...table.subarray(id * hidden, (id + 1) * hidden)]);
  return Tensor.constant(HostTensor.f32([1, ids.length, hidden], rows));
}

const constantKv = (present: HostTensor[][]): KvEntry[] => present.map(([k, v]) => ({ k: Tensor.constant(k), v: Tensor.constant(v) }));

async function run(model: CausalLMBase, ort: OrtExecutor, ids: number[][], opts: Parameters<CausalLMBase['forward']>[1] = {}) {
  const input = Tensor.input('input_ids', [ids.length, ids[0].length], 'i64');
  const { logits, present } = model.call(input, opts);
  const out = await ort.compile([logits, ...present.flatMap((e) => [e.k, e.v])]).run({ input_ids: HostTensor.i64([ids.length, ids[0].length], ids.flat()) });
  return { logits: out[0], present: present.map((_, i) => [out[1 + 2 * i], out[2 + 2 * i]]) };
}

describe.each(MODELS)('%s: virtual tokens', (_, variant) => {
  const dirs = tempDirs();
  const ort = new OrtExecutor({ threads: 1 });
  let model: CausalLMBase;
  let vocab: number;
  beforeAll(async () => {
    const dir = await dirs.make('virtual');
    await createTinyModel({ ...variant, dir, seed: 31, config: { initializer_range: 0.2, ...variant.config } });
    model = (await loadModel(dir)).model as CausalLMBase;
    vocab = model.config.vocab;
  });
  afterAll(async () => {
    await ort.dispose();
    await dirs.cleanup();
  });

  it('a key/value prefix that is the model\'s own cache of some tokens gives the logits of running on those tokens first', async () => {
    const [prefix, tokens] = [randomIds(1, 3, vocab, 1)[0], randomIds(1, 4, vocab, 2)[0]];
    const full = await runModel(model, ort, { ids: [[...prefix, ...tokens]] });
    const cached = await runModel(model, ort, { ids: [prefix] });
    const out = await run(model, ort, [tokens], { virtualTokens: { kv: constantKv(cached.present) } });
    expect(out.logits.shape).toEqual([1, 4, vocab]);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(out.logits, 0, t), logitsAt(full.logits, 0, 3 + t))).toBeLessThan(TOL);
    // The cache it returns holds the prefix first, so decoding continues from it.
    expect(out.present[0][0].shape[2]).toBe(7);
    const next = randomIds(1, 1, vocab, 3)[0];
    const step = await runModel(model, ort, { ids: [next], past: out.present });
    const whole = await runModel(model, ort, { ids: [[...prefix, ...tokens, ...next]] });
    expect(maxAbsDiff(logitsAt(step.logits, 0, 0), logitsAt(whole.logits, 0, 7))).toBeLessThan(TOL);
  });

  it('prompt embeddings that are the embeddings of some tokens give the logits of running on those tokens first', async () => {
    const [prefix, tokens] = [randomIds(1, 3, vocab, 4)[0], randomIds(1, 4, vocab, 5)[0]];
    const full = await runModel(model, ort, { ids: [[...prefix, ...tokens]] });
    const out = await run(model, ort, [tokens], { virtualTokens: { embeds: embeddingsOf(model, prefix) } });
    // Logits stay those of the tokens; the cache holds the virtual positions first.
    expect(out.logits.shape).toEqual([1, 4, vocab]);
    expect(out.present[0][0].shape[2]).toBe(7);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(out.logits, 0, t), logitsAt(full.logits, 0, 3 + t))).toBeLessThan(TOL);
    const next = randomIds(1, 1, vocab, 6)[0];
    const step = await runModel(model, ort, { ids: [next], past: out.present });
    const whole = await runModel(model, ort, { ids: [[...prefix, ...tokens, ...next]] });
    expect(maxAbsDiff(logitsAt(step.logits, 0, 0), logitsAt(whole.logits, 0, 7))).toBeLessThan(TOL);
  });

  it('the loss with prompt embeddings scores the last virtual position against the first label (PEFT labels virtual positions -100)', async () => {
    const [prefix, tokens] = [randomIds(1, 2, vocab, 7)[0], randomIds(1, 5, vocab, 8)[0]];
    const labels = [tokens[0], -100, ...tokens.slice(2)];
    const loss = async (ids: number[], lab: number[], opts: Parameters<CausalLMBase['loss']>[2] = {}) => {
      const t = model.loss(Tensor.input('ids', [1, ids.length], 'i64'), Tensor.input('labels', [1, ids.length], 'i64'), opts);
      const [v] = await ort.compile([t]).run({ ids: HostTensor.i64([1, ids.length], ids), labels: HostTensor.i64([1, ids.length], lab) });
      return v.item();
    };
    const virtual = await loss(tokens, labels, { virtualTokens: { embeds: embeddingsOf(model, prefix) } });
    const literal = await loss([...prefix, ...tokens], [-100, -100, ...labels]);
    expect(virtual).toBeCloseTo(literal, 5);
    // Not the loss without the first label: tokens[0] is scored.
    expect(Math.abs(virtual - (await loss([...prefix, ...tokens], [-100, -100, -100, ...labels.slice(1)])))).toBeGreaterThan(1e-4);
  });
});

describe('virtual tokens with a padded batch, given positions and an installed source (llama)', () => {
  const dirs = tempDirs();
  const ort = new OrtExecutor({ threads: 1 });
  let model: CausalLMBase;
  let dir = '';
  beforeAll(async () => {
    dir = await dirs.make('virtual-batch');
    await createTinyModel({ arch: 'llama', dir, seed: 32, vocab: TINY_TOKENIZER_SIZE, config: { initializer_range: 0.2 } });
    model = (await loadModel(dir)).model as CausalLMBase;
  });
  afterAll(async () => {
    await ort.dispose();
    await dirs.cleanup();
  });

  it.each(['kv', 'embeds'] as const)('%s: a left-padded row with its mask and positions gives its logits alone', async (kind) => {
    const prefix = [11, 12, 13];
    const [a, b] = [[40, 41, 42, 43], [50, 51, 52]];
    const virtualTokens: VirtualTokens =
      kind === 'kv' ? { kv: constantKv((await runModel(model, ort, { ids: [prefix] })).present) } : { embeds: embeddingsOf(model, prefix) };
    const ids = [a, [0, ...b]];
    const input = (name: string, dtype: 'i64' | 'bool') => Tensor.input(name, [2, 4], dtype);
    const { logits } = model.call(input('ids', 'i64'), {
      attentionMask: input('mask', 'bool'),
      positionIds: input('pos', 'i64'),
      virtualTokens,
    });
    const [out] = await ort.compile([logits]).run({
      ids: HostTensor.i64([2, 4], ids.flat()),
      mask: new HostTensor('bool', [2, 4], Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 1])),
      pos: HostTensor.i64([2, 4], [0, 1, 2, 3, 0, 0, 1, 2]),
    });
    const aloneA = await runModel(model, ort, { ids: [[...prefix, ...a]] });
    const aloneB = await runModel(model, ort, { ids: [[...prefix, ...b]] });
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(out, 0, t), logitsAt(aloneA.logits, 0, 3 + t))).toBeLessThan(TOL);
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(logitsAt(out, 1, 1 + t), logitsAt(aloneB.logits, 0, 3 + t))).toBeLessThan(TOL);
  });

  it.each(['kv', 'embeds'] as const)('%s: packed documents with a block mask and restarting positions each see the virtual tokens first', async (kind) => {
    const prefix = [11, 12];
    const [doc1, doc2] = [[70, 71, 72], [80, 81, 82, 83]];
    const virtualTokens: VirtualTokens =
      kind === 'kv' ? { kv: constantKv((await runModel(model, ort, { ids: [prefix] })).present) } : { embeds: embeddingsOf(model, prefix) };
    const docOf = [0, 0, 0, 1, 1, 1, 1];
    const mask = docOf.flatMap((d) => docOf.map((e) => (d === e ? 1 : 0)));
    const { logits } = model.call(Tensor.input('ids', [1, 7], 'i64'), {
      attentionMask: Tensor.input('mask', [1, 1, 7, 7], 'bool'),
      positionIds: Tensor.input('pos', [1, 7], 'i64'),
      virtualTokens,
    });
    const [out] = await ort.compile([logits]).run({
      ids: HostTensor.i64([1, 7], [...doc1, ...doc2]),
      mask: new HostTensor('bool', [1, 1, 7, 7], Uint8Array.from(mask)),
      pos: HostTensor.i64([1, 7], [0, 1, 2, 0, 1, 2, 3]),
    });
    const alone1 = await runModel(model, ort, { ids: [[...prefix, ...doc1]] });
    const alone2 = await runModel(model, ort, { ids: [[...prefix, ...doc2]] });
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(logitsAt(out, 0, t), logitsAt(alone1.logits, 0, 2 + t))).toBeLessThan(TOL);
    for (let t = 0; t < 4; t++) expect(maxAbsDiff(logitsAt(out, 0, 3 + t), logitsAt(alone2.logits, 0, 2 + t))).toBeLessThan(TOL);
  });

  it('an installed source runs where a sequence starts; explicit null turns it off; static-cache generation equals recomputing', async () => {
    const prefix = [21, 22, 23, 24];
    // `model` (no source) runs the literal sequences; `clean` is the same checkpoint with the source.
    const source = new FixedSource(() => ({ embeds: embeddingsOf(model, prefix) }));
    const clean = (await loadModel(dir)).model as CausalLMBase;
    clean.installVirtualTokens('prompt_encoder', source);
    expect(clean.getModule('prompt_encoder')).toBe(source);
    expect(() => clean.installVirtualTokens('other', new FixedSource(() => ({ embeds: embeddingsOf(model, prefix) })))).toThrow(/already installed/);

    const tokens = [60, 61, 62];
    const withSource = await run(clean, ort, [tokens]);
    const literal = await runModel(model, ort, { ids: [[...prefix, ...tokens]] });
    for (let t = 0; t < 3; t++) expect(maxAbsDiff(logitsAt(withSource.logits, 0, t), logitsAt(literal.logits, 0, 4 + t))).toBeLessThan(TOL);
    const off = await run(clean, ort, [tokens], { virtualTokens: null });
    const base = await runModel(model, ort, { ids: [tokens] });
    expect(maxAbsDiff(off.logits.toFloat32(), base.logits.toFloat32())).toBeLessThan(TOL);

    // Greedy decoding with the static cache (virtual tokens in its first slots) against recomputing
    // prefix + sequence every step; a second, shorter row is left-padded behind the virtual slots.
    const prompts = [[5, 77, 140, 9, 200], [8, 9]];
    const result = await generate(clean, ort, prompts, { maxNewTokens: 8, eosTokenIds: [] });
    for (const [row, prompt] of prompts.entries()) {
      const ids = [...prefix, ...prompt];
      for (let i = 0; i < 8; i++) {
        const { logits } = await runModel(model, ort, { ids: [ids] });
        ids.push(argmax(logitsAt(logits, 0, ids.length - 1)));
      }
      expect(result.outputIds[row]).toEqual(ids.slice(prefix.length + prompt.length));
    }
  });

  it('rejects virtual tokens together with a cache, and a prefix of the wrong shape, naming what it expected', async () => {
    const cached = await runModel(model, ort, { ids: [[1, 2]] });
    const kv = constantKv(cached.present);
    const ids = Tensor.input('ids', [1, 2], 'i64');
    expect(() => model.call(ids, { past: kv, virtualTokens: { kv } })).toThrow(/virtual tokens start a sequence; with `past` the cache already holds them/);
    const bad = kv.map((e) => ({ k: e.k.slice(1, 0, 1), v: e.v }));
    expect(() => model.call(ids, { virtualTokens: { kv: bad } })).toThrow(
      new RegExp(`virtual_tokens.kv\\[0\\].k: expected \\[1\\|1, ${model.config.kvHeads}, n, ${model.config.headDim}\\] with the same n in every layer, got \\[1, 1, 2, ${model.config.headDim}\\]`),
    );
    expect(() => model.call(ids, { virtualTokens: { kv: kv.slice(1) } })).toThrow(/virtual_tokens.kv: expected one cache entry per layer \(2\), got 1/);
    expect(() => model.call(ids, { virtualTokens: { embeds: Tensor.input('e', [1, 3, 5]) } })).toThrow(/virtual_tokens.embeds: expected \[1\|1, n, 64\], got \[1, 3, 5\]/);
  });
});
