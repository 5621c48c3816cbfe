import { OrtExecutor, ReferenceExecutor } from '@tunekit/core';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config/model-config.js';
import type { CausalLM } from './causal-lm.interface.js';
import { loadModel } from '../loading/load-model.js';
import { perturbBiasesAndNorms, readWeights, tempDirs } from '../testing/checkpoint.test-support.js';
import { type TinyModelOptions, createTinyModel } from '../testing/create-tiny-model.js';
import { logitsAt, maxAbsDiff, randomIds, runModel } from '../testing/model.test-support.js';

const FIXTURE = fileURLToPath(new URL('../../../../../shared/fixtures/tiny-random-gpt2', import.meta.url));

/** GPT-2 over plain arrays, written from transformers' GPT2 modelling code: the oracle. */
function plainGpt2Logits(w: Map<string, Float32Array>, c: ModelConfig, ids: readonly number[]): number[][] {
  const { hidden: H, heads, headDim: D } = c;
  const get = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`no tensor ${name}`);
    return t;
  };
  // Conv1D: weight [in, out].
  const conv1d = (name: string, x: readonly number[]) => {
    const W = get(`${name}.weight`);
    const b = get(`${name}.bias`);
    const outF = b.length;
    return Array.from({ length: outF }, (_, o) => x.reduce((s, xi, i) => s + xi * W[i * outF + o], b[o]));
  };
  const layerNorm = (x: readonly number[], name: string) => {
    const g = get(`${name}.weight`);
    const b = get(`${name}.bias`);
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + c.norm.eps)) * g[i] + b[i]);
  };
  const scale = c.raw.scale_attn_weights === false ? 1 : 1 / Math.sqrt(D);
  const head = w.get('lm_head.weight') ?? get('transformer.wte.weight');
  const geluNew = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));

  const wte = get('transformer.wte.weight');
  const wpe = get('transformer.wpe.weight');
  let hs = ids.map((id, t) => Array.from({ length: H }, (_, i) => wte[id * H + i] + wpe[t * H + i]));
  for (let l = 0; l < c.layers; l++) {
    const p = `transformer.h.${l}`;
    const qkv = hs.map((h) => conv1d(`${p}.attn.c_attn`, layerNorm(h, `${p}.ln_1`)));
    const attn = qkv.map((_, t) =>
      Array.from({ length: heads }, (_, h) => {
        const q = (j: number, i: number) => qkv[j][h * D + i];
        const k = (j: number, i: number) => qkv[j][H + h * D + i];
        const v = (j: number, i: number) => qkv[j][2 * H + h * D + i];
        const scores = Array.from({ length: t + 1 }, (_, j) => Array.from({ length: D }, (_, i) => q(t, i) * k(j, i)).reduce((a, b) => a + b) * scale);
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b);
        return Array.from({ length: D }, (_, i) => e.reduce((s, ej, j) => s + (ej / z) * v(j, i), 0));
      }).flat(),
    );
    hs = hs.map((h, t) => {
      const a = conv1d(`${p}.attn.c_proj`, attn[t]);
      const mid = h.map((x, i) => x + a[i]);
      const m = conv1d(`${p}.mlp.c_proj`, conv1d(`${p}.mlp.c_fc`, layerNorm(mid, `${p}.ln_2`)).map(geluNew));
      return mid.map((x, i) => x + m[i]);
    });
  }
  return hs.map((h) => {
    const y = layerNorm(h, 'transformer.ln_f');
    return Array.from({ length: c.vocab }, (_, v) => y.reduce((s, yi, i) => s + yi * head[v * H + i], 0));
  });
}

/** Greedy decoding that recomputes the whole sequence each step (generation proper lives elsewhere). */
async function greedy(model: CausalLM, executor: OrtExecutor, prompt: number[][], maxLength: number): Promise<number[][]> {
  const seqs = prompt.map((r) => [...r]);
  while (seqs[0].length < maxLength) {
    const { logits } = await runModel(model, executor, { ids: seqs });
    for (const [b, seq] of seqs.entries()) {
      const row = logitsAt(logits, b, seq.length - 1);
      seq.push(row.indexOf(Math.max(...row)));
    }
  }
  return seqs;
}

describe('Gpt2ForCausalLM', () => {
  const dirs = tempDirs();
  const ort = new OrtExecutor({ threads: 1 });
  afterAll(async () => {
    await ort.dispose();
    await dirs.cleanup();
  });

  it.each<[string, Omit<TinyModelOptions, 'dir' | 'seed'>]>([
    ['tied head', {}],
    ['untied head, n_inner set, unscaled attention', { tied: false, intermediate: 96, config: { scale_attn_weights: false } }],
  ])('%s: matches a plain-JS forward, and both executors agree', async (_, variant) => {
    const dir = await dirs.make('gpt2');
    await createTinyModel({ arch: 'gpt2', dir, seed: 11, ...variant, config: { initializer_range: 0.2, ...variant.config } });
    await perturbBiasesAndNorms(join(dir, 'model.safetensors'), 12);
    const { model, config } = await loadModel(dir);
    const ids = randomIds(2, 6, config.vocab, 5);
    const onRef = await runModel(model, new ReferenceExecutor(), { ids });
    const onOrt = await runModel(model, ort, { ids });
    expect(maxAbsDiff(onRef.logits.toFloat32(), onOrt.logits.toFloat32())).toBeLessThan(1e-4);
    const weights = await readWeights(join(dir, 'model.safetensors'));
    for (const [b, row] of ids.entries()) {
      const expected = plainGpt2Logits(weights, config, row);
      for (let t = 0; t < row.length; t++) expect(maxAbsDiff(logitsAt(onRef.logits, b, t), expected[t])).toBeLessThan(1e-4);
    }
  });

  describe('hf-internal-testing/tiny-random-gpt2 (onnxruntime-genai test expectations)', () => {
    // onnxruntime-genai test/model_tests.cpp and test/c_api_tests.cpp, GreedySearchGptFp32: batch 2, max_length 10.
    const prompt = [
      [0, 0, 0, 52],
      [0, 0, 195, 731],
    ];

    it('greedy decoding reproduces the expected tokens', async () => {
      const { model } = await loadModel(FIXTURE);
      expect(await greedy(model, ort, prompt, 10)).toEqual([
        [0, 0, 0, 52, 204, 204, 204, 204, 204, 204],
        [0, 0, 195, 731, 731, 114, 114, 114, 114, 114],
      ]);
    });

    it('prompt logits match the sampled values (every 200th of the flat [2, 4, 1000] tensor)', async () => {
      const { model } = await loadModel(FIXTURE);
      // GetOutputCAPI: the test allows 1e-3; we hold 1e-5.
      const expected = [
        0.29694548, 0.00955007, 0.0430819, 0.10063869, 0.0437237, 0.27329233, 0.00841076, -0.1060291, 0.11328877, 0.13369876,
        0.30323744, 0.0545997, 0.03894716, 0.11702324, 0.0410665, -0.12675379, -0.04443946, 0.14492269, 0.03021223, -0.03212897,
        0.29694548, 0.00955007, 0.0430819, 0.10063869, 0.0437237, 0.27329233, 0.00841076, -0.1060291, 0.11328877, 0.13369876,
        -0.04699047, 0.17915794, 0.20838135, 0.10888482, -0.00277808, 0.2938929, -0.10538938, -0.00226692, 0.12050669, -0.10622668,
      ];
      const { logits } = await runModel(model, ort, { ids: prompt });
      const flat = logits.toFloat32();
      expect(maxAbsDiff(expected.map((_, i) => flat[i * 200]), expected)).toBeLessThan(1e-5);
    });

    it('logits after one generated token match, computed through the KV cache', async () => {
      const { model } = await loadModel(FIXTURE);
      // GetLogitsCAPI: last-position logits after appending the first greedy token (204, 731).
      const expected = [0.03742531, -0.05752287, 0.14159015, 0.04210977, -0.1484456, 0.3041716, -0.08701379, -0.03778192, 0.07471392, -0.02049096];
      const first = await runModel(model, ort, { ids: prompt });
      const { logits } = await runModel(model, ort, { ids: [[204], [731]], past: first.present });
      const flat = logits.toFloat32();
      expect(maxAbsDiff(expected.map((_, i) => flat[i * 200]), expected)).toBeLessThan(1e-5);
    });
  });
});
