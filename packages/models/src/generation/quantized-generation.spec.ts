import { HostTensor, OrtExecutor, type Parameter, quantizeNbits, withQuantizedLinears } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../loading/load-model.js';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { createTinyModel } from '../testing/create-tiny-model.js';
import { TINY_TOKENIZER_SIZE } from '../testing/tiny-tokenizer.js';
import { generate } from './generator.js';

const dirs = tempDirs();
const executor = new OrtExecutor();
afterAll(async () => {
  await executor.dispose();
  await dirs.cleanup();
});

/** W as `quantizeNbits` leaves it: each code less its zero point, times its block's scale. */
function dequantized(w: Float32Array, n: number, k: number, bits: 4 | 8, blocksize: number): Float32Array {
  const { packed, scales } = quantizeNbits(w, n, k, { bits, blocksize });
  const blocks = Math.ceil(k / blocksize);
  const blob = (blocksize * bits) / 8;
  const bytes = packed.data as Uint8Array;
  return Float32Array.from({ length: n * k }, (_, i) => {
    const [row, col] = [Math.floor(i / k), i % k];
    const [b, j] = [Math.floor(col / blocksize), col % blocksize];
    const byte = bytes[(row * blocks + b) * blob + (bits === 8 ? j : j >> 1)];
    const code = bits === 8 ? byte - 128 : (j % 2 ? byte >> 4 : byte & 15) - 8;
    return code * (scales.data as Float32Array)[row * blocks + b];
  });
}

describe('generation with every linear layer quantized (withQuantizedLinears)', () => {
  it.each([
    [8, 32],
    [4, 16],
  ] as const)('int%i in blocks of %i: the tokens and log-probs of the model whose weights are those codes, run exactly', async (bits, blocksize) => {
    const tiny = await createTinyModel({ arch: 'llama', dir: await dirs.make(`q${bits}`), seed: 11, vocab: TINY_TOKENIZER_SIZE, config: { initializer_range: 0.2, tie_word_embeddings: false } });
    const { model } = await loadModel(tiny.dir);
    const prompt = [5, 77, 140, 9, 200];
    const options = { maxNewTokens: 10, eosTokenIds: [], outputLogprobs: true, doSample: true, temperature: 0.8, seed: 5 };
    // Every weight read by a linear layer: the projections and the head (the embedding lookup stays exact).
    const linear = model.namedParameters().filter(([name]) => name.endsWith('proj.weight') || name === 'lm_head.weight');
    expect(linear.length).toBeGreaterThan(7);
    const sessions = () => (executor as unknown as { sessions: Map<string, unknown> }).sessions.size;
    const spec = { bits, blocksize, activationBits: null };
    await withQuantizedLinears(executor, linear.map(([, p]) => p), spec, async () => {}); // compiles the rounding program, which is kept
    const sessionsBefore = sessions();
    const quantized = await withQuantizedLinears(executor, linear.map(([, p]) => p), spec, (scoped) => generate(model, scoped, [prompt, prompt], options));
    // The programs holding the rounded weights were released with the scope.
    expect(sessions()).toBe(sessionsBefore);

    const weights = (p: Parameter) => p.value.data as Float32Array;
    const originals = new Map<Parameter, Float32Array>(linear.map(([, p]) => [p, weights(p).slice()]));
    for (const [, p] of linear) weights(p).set(dequantized(originals.get(p)!, p.shape[0], p.shape[1], bits, blocksize));
    const exact = await generate(model, executor, [prompt, prompt], options);
    for (const [p, w] of originals) weights(p).set(w);

    expect(quantized.outputIds).toEqual(exact.outputIds);
    quantized.logprobs!.flat().forEach((lp, i) => expect(lp).toBeCloseTo(exact.logprobs!.flat()[i], 4));
    // And rounding moved the model: the log-probs differ from the unrounded model's.
    const plain = await generate(model, executor, [prompt, prompt], { ...options, doSample: false });
    expect(plain.logprobs!.flat().some((lp, i) => Math.abs(lp - quantized.logprobs!.flat()[i]) > 1e-4) || plain.outputIds.join() !== quantized.outputIds.join()).toBe(true);
  });

  it('frozen weights are rounded once: a later scope traces the same constants and compiles nothing new', async () => {
    const tiny = await createTinyModel({ arch: 'llama', dir: await dirs.make('frozen'), seed: 11, vocab: TINY_TOKENIZER_SIZE, config: { initializer_range: 0.2 } });
    const { model } = await loadModel(tiny.dir);
    const weights = model.namedParameters().filter(([name]) => name.endsWith('proj.weight') || name === 'model.embed_tokens.weight').map(([, p]) => p);
    for (const p of weights) p.requiresGrad = false;
    const spec = { bits: 8 as const, blocksize: 32, activationBits: 8 as const };
    const options = { maxNewTokens: 6, eosTokenIds: [], outputLogprobs: true };
    const first = await withQuantizedLinears(executor, weights, spec, (scoped) => generate(model, scoped, [[5, 77, 140]], options));
    const created = executor.sessionsCreated;
    const again = await withQuantizedLinears(executor, weights, spec, (scoped) => generate(model, scoped, [[5, 77, 140]], options));
    expect(executor.sessionsCreated).toBe(created);
    expect(again.outputIds).toEqual(first.outputIds);
    expect(again.logprobs).toEqual(first.logprobs);
    // A new value (an adapter merged in, a checkpoint loaded) is rounded again: the tokens' log-probs move.
    const head = weights.find((p) => p.name === 'model.embed_tokens.weight')!;
    head.assign(HostTensor.f32(head.shape, (head.value.data as Float32Array).map((v) => v * 1.5)));
    const moved = await withQuantizedLinears(executor, weights, spec, (scoped) => generate(model, scoped, [[5, 77, 140]], options));
    expect(moved.logprobs![0]).not.toEqual(first.logprobs![0]);
  });
});
