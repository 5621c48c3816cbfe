import { OrtExecutor, ReferenceExecutor } from '@tunekit/core';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../config/model-config.js';
import { loadModel } from '../loading/load-model.js';
import { perturbBiasesAndNorms, readWeights, tempDirs } from '../testing/checkpoint.test-support.js';
import { type TinyModelOptions, createTinyModel } from '../testing/create-tiny-model.js';
import { logitsAt, maxAbsDiff, randomIds, runModel } from '../testing/model.test-support.js';

/**
 * An independent Llama-family forward over plain arrays, written from the transformers modelling
 * code rather than from our modules: the oracle our traced graph must reproduce.
 */
function plainDecoderLogits(w: Map<string, Float32Array>, c: ModelConfig, ids: readonly number[]): number[][] {
  const { hidden: H, heads, kvHeads, headDim: D, intermediate: M } = c;
  const eps = c.norm.eps;
  const get = (name: string) => w.get(name) ?? fail(`no tensor ${name}`);
  const matvec = (name: string, x: readonly number[], outF: number) => {
    const W = get(`${name}.weight`);
    const b = w.get(`${name}.bias`);
    return Array.from({ length: outF }, (_, o) => {
      let s = b ? b[o] : 0;
      for (let i = 0; i < x.length; i++) s += W[o * x.length + i] * x[i];
      return s;
    });
  };
  const rms = (x: readonly number[], g: Float32Array) => {
    const ms = x.reduce((s, v) => s + v * v, 0) / x.length;
    return x.map((v, i) => (v / Math.sqrt(ms + eps)) * g[i]);
  };
  const rope = c.rope ?? fail('no rope');
  const invFreq = Array.from({ length: D / 2 }, (_, i) => {
    const f = rope.theta ** (-(2 * i) / D);
    const s = rope.scaling;
    if (s.type === 'linear') return f / s.factor;
    if (s.type !== 'llama3') return f;
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < s.originalMaxPositionEmbeddings / s.highFreqFactor) return f;
    if (wavelen > s.originalMaxPositionEmbeddings / s.lowFreqFactor) return f / s.factor;
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
  const rotate = (v: number[], pos: number) =>
    v.map((x, i) => {
      const angle = pos * invFreq[i % (D / 2)];
      const partner = i < D / 2 ? -v[i + D / 2] : v[i - D / 2];
      return x * Math.cos(angle) + partner * Math.sin(angle);
    });
  const headsOf = (x: number[], n: number, norm: Float32Array | undefined, pos: number | null) =>
    Array.from({ length: n }, (_, h) => {
      const v = x.slice(h * D, (h + 1) * D);
      const normed = norm ? rms(v, norm) : v;
      return pos === null ? normed : rotate(normed, pos);
    });

  const embed = get('model.embed_tokens.weight');
  let hs = ids.map((id) => Array.from(embed.subarray(id * H, (id + 1) * H)));
  for (let l = 0; l < c.layers; l++) {
    const p = `model.layers.${l}`;
    const x = hs.map((h) => rms(h, get(`${p}.input_layernorm.weight`)));
    const q = x.map((v, t) => headsOf(matvec(`${p}.self_attn.q_proj`, v, heads * D), heads, w.get(`${p}.self_attn.q_norm.weight`), t));
    const k = x.map((v, t) => headsOf(matvec(`${p}.self_attn.k_proj`, v, kvHeads * D), kvHeads, w.get(`${p}.self_attn.k_norm.weight`), t));
    const vv = x.map((v) => headsOf(matvec(`${p}.self_attn.v_proj`, v, kvHeads * D), kvHeads, undefined, null));
    const attn = q.map((qt, t) =>
      qt.flatMap((qh, h) => {
        const g = Math.floor(h / (heads / kvHeads));
        const visible = Array.from({ length: t + 1 }, (_, j) => j).filter((j) => c.slidingWindow === null || t - j < c.slidingWindow);
        const scores = visible.map((j) => qh.reduce((s, qi, i) => s + qi * k[j][g][i], 0) / Math.sqrt(D));
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const z = e.reduce((a, b) => a + b, 0);
        return Array.from({ length: D }, (_, i) => visible.reduce((s, j, n) => s + (e[n] / z) * vv[j][g][i], 0));
      }),
    );
    hs = hs.map((h, t) => {
      const o = matvec(`${p}.self_attn.o_proj`, attn[t], H);
      const mid = h.map((v, i) => v + o[i]);
      const y = rms(mid, get(`${p}.post_attention_layernorm.weight`));
      const gate = matvec(`${p}.mlp.gate_proj`, y, M);
      const up = matvec(`${p}.mlp.up_proj`, y, M);
      const down = matvec(`${p}.mlp.down_proj`, gate.map((gv, i) => (gv / (1 + Math.exp(-gv))) * up[i]), H);
      return mid.map((v, i) => v + down[i]);
    });
  }
  const head = w.has('lm_head.weight') ? 'lm_head' : 'model.embed_tokens';
  return hs.map((h) => matvec(head, rms(h, get('model.norm.weight')), c.vocab));
}

function fail(msg: string): never {
  throw new Error(msg);
}

type Variant = Omit<TinyModelOptions, 'dir' | 'seed'>;

const VARIANTS: [string, Variant][] = [
  ['llama', { arch: 'llama' }],
  ['llama, tied head', { arch: 'llama', tied: true }],
  ['llama, attention and mlp biases', { arch: 'llama', config: { attention_bias: true, mlp_bias: true } }],
  [
    'llama, llama3 rope scaling',
    // Head dim 16, theta 1e4: wavelengths 6.3, 20, 63, ... straddle [32/4, 32/1], so all three branches run.
    { arch: 'llama', config: { rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 32 } } },
  ],
  ['llama, linear rope scaling', { arch: 'llama', config: { rope_scaling: { type: 'linear', factor: 4 } } }],
  ['mistral, sliding window 3', { arch: 'mistral', config: { sliding_window: 3 } }],
  ['qwen2 (q/k/v bias, tied)', { arch: 'qwen2', tied: true }],
  ['qwen3 (q/k norms, head_dim 24 ≠ hidden/heads)', { arch: 'qwen3', headDim: 24 }],
];

describe('DecoderForCausalLM', () => {
  const dirs = tempDirs();
  const ort = new OrtExecutor({ threads: 1 });
  const ref = new ReferenceExecutor();
  afterAll(async () => {
    await ort.dispose();
    await dirs.cleanup();
  });

  it.each(VARIANTS)('%s: matches a plain-JS forward, and both executors agree', async (_, variant) => {
    const dir = await dirs.make('decoder');
    // A wide init (transformers uses 0.02) so attention is far from uniform and RoPE errors show.
    await createTinyModel({ ...variant, dir, seed: 7, config: { initializer_range: 0.2, ...variant.config } });
    await perturbBiasesAndNorms(join(dir, 'model.safetensors'), 8);
    const { model, config } = await loadModel(dir);
    const ids = randomIds(2, 7, config.vocab, 3);

    const onRef = await runModel(model, ref, { ids });
    const onOrt = await runModel(model, ort, { ids });
    expect(onRef.logits.shape).toEqual([2, 7, config.vocab]);
    expect(maxAbsDiff(onRef.logits.toFloat32(), onOrt.logits.toFloat32())).toBeLessThan(1e-4);

    const weights = await readWeights(join(dir, 'model.safetensors'));
    for (const [b, row] of ids.entries()) {
      const expected = plainDecoderLogits(weights, config, row);
      for (let t = 0; t < row.length; t++) expect(maxAbsDiff(logitsAt(onRef.logits, b, t), expected[t])).toBeLessThan(1e-4);
    }
  });

  it('registers Hugging Face parameter names, the tied head under the embedding only', async () => {
    const dir = await dirs.make('names');
    await createTinyModel({ arch: 'qwen3', dir, seed: 1, layers: 1, tied: true });
    const { model } = await loadModel(dir);
    const names = model.namedParameters().map(([n]) => n);
    expect(names).toContain('model.layers.0.self_attn.q_norm.weight');
    expect(names).toContain('model.embed_tokens.weight');
    expect(names).not.toContain('lm_head.weight');
    expect(model.stateDict().get('lm_head.weight')).toBe(model.stateDict().get('model.embed_tokens.weight'));
  });
});
