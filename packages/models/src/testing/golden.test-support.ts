import { type Executor, HostTensor, OrtExecutor, Tensor, grad, readSafetensors } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import { ropeInverseFrequencies } from '../architectures/rope.js';
import { generate } from '../generation/generator.js';
import { type LoadedModel, loadModel } from '../loading/load-model.js';

/**
 * transformers' own reference outputs (`shared/fixtures/golden-transformers`, made by its
 * make_golden.py): a random checkpoint per architecture that transformers saved, with the logits,
 * greedy generations, loss and gradients transformers computed from it.
 */
export const GOLDEN_ROOT = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/', import.meta.url));

// Shared with every package's golden specs (core's testing support).
export { relativeError, reportGoldenError, rowsOf };

/** The elements of logits [B, T, V] at the (b, t) where `keep(mask[b][t])`, concatenated. */
function positionsWhere(logits: Float32Array, mask: number[][], vocab: number, keep: (m: number) => boolean): Float32Array {
  const t = mask[0].length;
  const out: number[] = [];
  mask.forEach((row, b) => row.forEach((m, i) => keep(m) && out.push(...logits.subarray((b * t + i) * vocab, (b * t + i + 1) * vocab))));
  return Float32Array.from(out);
}

interface GreedyCase {
  input_ids: number[][];
  attention_mask?: number[][];
  output_ids: number[][];
  max_new_tokens: number;
}

interface Expected {
  loss: number;
  greedy_single: GreedyCase;
  greedy_left_padded: GreedyCase;
}

export interface GoldenSuiteOptions {
  /** Largest relative error allowed (default 1e-4). */
  tolerance?: number;
  /**
   * TuneKit's rotary inverse frequencies for this model, compared with `inv_freq.safetensors`
   * (default: `ropeInverseFrequencies(config.rope, config.headDim)`, which the decoder uses).
   */
  invFreq?: (loaded: LoadedModel) => Float32Array;
  /** The executor every check runs on (default: a new OrtExecutor). */
  executor?: () => Executor;
  /**
   * Checks not registered, for a capability the architecture lacks so far (say why at the call;
   * remove the entry when it lands). Every other check runs.
   */
  omit?: readonly GoldenCheck[];
  /**
   * grads.safetensors keys (transformers' in-memory parameter names) that differ from TuneKit's,
   * which are the checkpoint's keys, as TuneKit name → transformers name.
   */
  gradNames?: Readonly<Record<string, string>>;
}

/** The checks of a golden suite, by name (see `goldenArchSuite`). */
export type GoldenCheck = 'logits' | 'padLogits' | 'row0' | 'greedy' | 'loss' | 'grads' | 'invFreq';

/** Named inputs for a traced forward or loss over the fixture's padded batch, with its mask and positions. */
function batchInputs(f: Map<string, HostTensor>) {
  const ids = f.get('input_ids')!;
  const feeds: Record<string, HostTensor> = { input_ids: ids };
  const input = (name: string) => {
    feeds[name] = f.get(name)!;
    return Tensor.input(name, feeds[name].shape, feeds[name].dtype);
  };
  const opts = { attentionMask: input('attention_mask'), positionIds: input('position_ids') };
  return { ids: Tensor.input('input_ids', ids.shape, ids.dtype), opts, feeds, input };
}

/**
 * Registers a `describe` block checking TuneKit against transformers on `relDir` (e.g.
 * `'archs/llama'`, `'archs_extra/gemma'`) under GOLDEN_ROOT: logits where the mask is 1 and at pad
 * positions, row 0 alone without a mask, both greedy generations with the real generator and its
 * KV cache, the loss, every parameter's gradient, and the rotary frequencies where the model has them.
 */
export function goldenArchSuite(relDir: string, opts: GoldenSuiteOptions = {}): void {
  const dir = join(GOLDEN_ROOT, relDir);
  const tol = opts.tolerance ?? 1e-4;
  const hasInvFreq = existsSync(join(dir, 'inv_freq.safetensors'));
  const omitted = new Set(opts.omit ?? []);
  const check = (name: GoldenCheck, title: string, fn: () => void | Promise<void>) => omitted.has(name) || it(title, fn);

  describe(`golden transformers: ${relDir}`, () => {
    let loaded: LoadedModel;
    let model: CausalLM;
    let executor: Executor;
    let forward: Map<string, HostTensor>;
    let expected: Expected;
    let mask: number[][];
    let logits: Float32Array;

    beforeAll(async () => {
      executor = opts.executor?.() ?? new OrtExecutor();
      loaded = await loadModel(join(dir, 'model'));
      model = loaded.model;
      forward = await readSafetensors(join(dir, 'public', 'forward.safetensors'));
      expected = JSON.parse(readFileSync(join(dir, 'public', 'expected.json'), 'utf8')) as Expected;
      mask = rowsOf(forward.get('attention_mask')!);
      const { ids, opts: fwd, feeds } = batchInputs(forward);
      const [out] = await executor.compile([model.call(ids, fwd).logits]).run(feeds);
      logits = out.toFloat32();
    });
    afterAll(async () => {
      await executor?.dispose();
    });

    const vocab = () => forward.get('logits')!.shape[2];

    check('logits', 'logits where the mask is 1 (padded batch, explicit positions)', () => {
      const want = positionsWhere(forward.get('logits')!.toFloat32(), mask, vocab(), (m) => m === 1);
      expect(reportGoldenError(`${relDir} logits`, relativeError(positionsWhere(logits, mask, vocab(), (m) => m === 1), want))).toBeLessThanOrEqual(tol);
    });

    check('padLogits', 'logits at pad positions (queries with no visible key)', () => {
      const want = positionsWhere(forward.get('logits')!.toFloat32(), mask, vocab(), (m) => m === 0);
      expect(want.length).toBeGreaterThan(0);
      expect(reportGoldenError(`${relDir} pad logits`, relativeError(positionsWhere(logits, mask, vocab(), (m) => m === 0), want))).toBeLessThanOrEqual(tol);
    });

    check('row0', 'logits of row 0 alone, no mask and no positions', async () => {
      const want = forward.get('logits_row0_nomask')!;
      const row0 = rowsOf(forward.get('input_ids')!)[0];
      const ids = Tensor.input('input_ids', [1, row0.length], 'i64');
      const [got] = await executor.compile([model.call(ids).logits]).run({ input_ids: HostTensor.i64([1, row0.length], row0) });
      expect(got.shape).toEqual(want.shape);
      expect(reportGoldenError(`${relDir} row0 logits`, relativeError(got.toFloat32(), want.toFloat32()))).toBeLessThanOrEqual(tol);
    });

    for (const name of ['greedy_single', 'greedy_left_padded'] as const) {
      check('greedy', `${name}: the generator with its KV cache picks transformers' tokens`, async () => {
        const c = expected[name];
        const prompts = c.input_ids.map((row, b) => row.filter((_, i) => (c.attention_mask?.[b][i] ?? 1) === 1));
        const result = await generate(model, executor, prompts, { maxNewTokens: c.max_new_tokens, eosTokenIds: [], doSample: false });
        const promptLength = c.input_ids[0].length;
        expect(result.outputIds).toEqual(c.output_ids.map((row) => row.slice(promptLength)));
      });
    }

    check('loss', 'loss with the fixture labels (shifted, mean over labelled tokens)', async () => {
      const { ids, opts: fwd, feeds, input } = batchInputs(forward);
      const [loss] = await executor.compile([model.loss(ids, input('labels'), fwd)]).run(feeds);
      expect(reportGoldenError(`${relDir} loss`, relativeError([loss.item()], [expected.loss]))).toBeLessThanOrEqual(tol);
    });

    check('grads', "every parameter's gradient (one entry per tied weight, no parameter without one)", async () => {
      const want = await readSafetensors(join(dir, 'public', 'grads.safetensors'));
      const named = model.namedParameters()
        .filter(([, p]) => p.requiresGrad)
        .map(([n, p]) => [opts.gradNames?.[n] ?? n, p] as const);
      expect(named.map(([n]) => n).sort()).toEqual([...want.keys()].sort());
      const { ids, opts: fwd, feeds, input } = batchInputs(forward);
      const grads = grad(model.loss(ids, input('labels'), fwd), named.map(([, p]) => p));
      const got = await executor.compile(grads).run(feeds);
      const errors = named.map(([n], k) => {
        expect(got[k].shape, n).toEqual(want.get(n)!.shape);
        return [n, relativeError(got[k].toFloat32(), want.get(n)!.toFloat32())] as const;
      });
      const worst = errors.reduce((a, b) => (b[1] > a[1] || Number.isNaN(b[1]) ? b : a));
      reportGoldenError(`${relDir} grads (worst: ${worst[0]})`, worst[1]);
      for (const [n, err] of errors) expect(err, n).toBeLessThanOrEqual(tol);
    });

    // Only where transformers keeps the frequencies as `model.rotary_emb` did make_golden.py save them.
    if (hasInvFreq) {
      check('invFreq', 'rotary inverse frequencies', async () => {
        const want = (await readSafetensors(join(dir, 'inv_freq.safetensors'))).get('inv_freq')!.toFloat32();
        const rope = loaded.config.rope;
        expect(rope).not.toBeNull();
        const got = opts.invFreq?.(loaded) ?? ropeInverseFrequencies(rope!, loaded.config.headDim);
        expect(reportGoldenError(`${relDir} inv_freq`, relativeError(got, want))).toBeLessThanOrEqual(tol);
      });
    }
  });
}
