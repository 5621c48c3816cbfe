import { F, HostTensor, OrtExecutor, ReferenceExecutor, Rng, Tensor, grad } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { type ModelConfig, parseModelConfig } from '../config/model-config.js';
import { loadModel } from '../loading/load-model.js';
import { tempDirs } from '../testing/checkpoint.test-support.js';
import { createTinyModel, tinyConfigJson } from '../testing/create-tiny-model.js';
import { loadBalancingLoss } from './moe.aux-loss.js';
import { MoeBlock } from './moe.block.js';

const H = 8;
const I = 6;
const E = 4;

function moeConfig(modelType: 'mixtral' | 'qwen3_moe', extra: Record<string, unknown> = {}): ModelConfig {
  return parseModelConfig(
    tinyConfigJson({ arch: modelType, hidden: H, intermediate: I, heads: 2, kvHeads: 1, experts: E, expertsPerToken: 2, expertIntermediate: I, config: extra }),
  );
}

const values = (n: number, rng: Rng) => Array.from({ length: n }, () => rng.uniform() * 2 - 1);
const softmax = (v: readonly number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const silu = (v: number) => v / (1 + Math.exp(-v));

/** The block written from transformers' loop over experts, over plain arrays: route, then add each chosen expert's output. */
function plainMoe(block: MoeBlock, x: number[][], topK: number, renormalise: boolean): number[][] {
  const gate = block.gate.weight.value.toFloat32();
  const gu = block.experts.gate_up_proj.value.toFloat32();
  const down = block.experts.down_proj.value.toFloat32();
  return x.map((row) => {
    const probs = softmax(Array.from({ length: E }, (_, e) => row.reduce((s, v, h) => s + v * gate[e * H + h], 0)));
    const chosen = probs.map((p, e) => ({ p, e })).sort((a, b) => b.p - a.p).slice(0, topK);
    const total = chosen.reduce((s, c) => s + c.p, 0);
    const out = new Array<number>(H).fill(0);
    for (const { p, e } of chosen) {
      const w = renormalise ? p / total : p;
      const proj = (r: number) => row.reduce((s, v, h) => s + v * gu[(e * 2 * I + r) * H + h], 0);
      const act = Array.from({ length: I }, (_, i) => silu(proj(i)) * proj(I + i));
      for (let h = 0; h < H; h++) out[h] += w * act.reduce((s, a, i) => s + a * down[(e * H + h) * I + i], 0);
    }
    return out;
  });
}

describe('MoeBlock', () => {
  for (const [type, extra, renormalise] of [
    ['mixtral', {}, true],
    ['qwen3_moe', { norm_topk_prob: true }, true],
    ['qwen3_moe', { norm_topk_prob: false }, false],
  ] as const) {
    // 5 tokens · top 2 > 4 experts: the dense form; 2 tokens: each token's experts gathered.
    for (const tokens of [5, 2]) {
      it(`${type} ${JSON.stringify(extra)}, ${tokens} tokens: equals the per-token loop over the chosen experts`, async () => {
        const config = moeConfig(type, extra);
        const block = new MoeBlock(config, config.moe!, { dtype: 'f32', rng: new Rng(3) });
        const rng = new Rng(7);
        const x = Array.from({ length: tokens }, () => values(H, rng));
        const out = block.call(Tensor.fromValues([1, tokens, H], x.flat()));
        const [got] = await new ReferenceExecutor().compile([out.out]).run({});
        expect(got.shape).toEqual([1, tokens, H]);
        const want = plainMoe(block, x, 2, renormalise).flat();
        got.toFloat32().forEach((v, i) => expect(v).toBeCloseTo(want[i], 5));
      });
    }
  }

  it('gives the same gradients in the dense form (all tokens) as gathered (one token at a time)', async () => {
    const config = moeConfig('qwen3_moe');
    const block = new MoeBlock(config, config.moe!, { dtype: 'f32', rng: new Rng(3) });
    const rng = new Rng(13);
    const x = Array.from({ length: 6 }, () => values(H, rng));
    const params = [block.gate.weight, block.experts.gate_up_proj, block.experts.down_proj];
    const lossOf = (rows: number[][]) => block.call(Tensor.fromValues([1, rows.length, H], rows.flat())).out.square().sum();
    const dense = grad(lossOf(x), params);
    const gathered = grad(x.map((row) => lossOf([row])).reduce((a, b) => a.add(b)), params);
    const run = await new ReferenceExecutor().compile([...dense, ...gathered]).run({});
    for (let k = 0; k < 3; k++) {
      const [d, g] = [run[k].toFloat32(), run[k + 3].toFloat32()];
      expect(d.some((v) => v !== 0)).toBe(true);
      d.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
    }
  });

  it('sends gradients to the router and to the chosen experts only', async () => {
    const config = moeConfig('qwen3_moe');
    const block = new MoeBlock(config, config.moe!, { dtype: 'f32', rng: new Rng(3) });
    // One token, so exactly two experts are chosen and two get no gradient.
    const out = block.call(Tensor.fromValues([1, 1, H], values(H, new Rng(11))));
    const params = [block.gate.weight, block.experts.gate_up_proj, block.experts.down_proj];
    const grads = await new ReferenceExecutor().compile(grad(out.out.square().sum(), params)).run({});
    const [, chosen] = Tensor.fromValues([E], (await new ReferenceExecutor().compile([out.routerLogits.reshape([E])]).run({}))[0].toFloat32()).topk(2);
    const picked = new Set(Array.from((await new ReferenceExecutor().compile([chosen]).run({}))[0].toFloat32()));
    const perExpert = (g: HostTensor) => {
      const v = g.toFloat32();
      const n = v.length / E;
      return Array.from({ length: E }, (_, e) => v.subarray(e * n, (e + 1) * n).reduce((s, a) => s + Math.abs(a), 0));
    };
    expect(perExpert(grads[0]).every((s) => s > 0)).toBe(true);
    for (const g of grads.slice(1)) perExpert(g).forEach((s, e) => expect(s > 0, `expert ${e}`).toBe(picked.has(e)));
  });

  it('makes the layers in mlp_only_layers and off decoder_sparse_step dense', () => {
    const c = moeConfig('qwen3_moe', { num_hidden_layers: 4, decoder_sparse_step: 2, mlp_only_layers: [3] });
    expect(c.moe!.denseLayers).toEqual([0, 2, 3]);
  });

  it('refuses router jitter noise and shared experts, naming the field', () => {
    expect(() => moeConfig('mixtral', { router_jitter_noise: 0.1 })).toThrow(/router_jitter_noise/);
    expect(() => moeConfig('qwen3_moe', { shared_expert_intermediate_size: 64 })).toThrow(/shared_expert_intermediate_size/);
  });
});

/** transformers' load_balancing_loss_func over plain arrays: logits per layer [N][E], mask [B][T] or null. */
function plainAux(layers: number[][][], topK: number, mask: number[][] | null): number {
  const rows = layers.flat();
  const keep = layers.flatMap(() => (mask ? mask.flat() : rows.slice(0, layers[0].length).map(() => 1)));
  const count = keep.reduce((a, b) => a + b, 0);
  const f = Array.from({ length: topK }, () => new Array<number>(E).fill(0));
  const p = new Array<number>(E).fill(0);
  rows.forEach((logits, n) => {
    const probs = softmax(logits);
    probs.map((q, e) => ({ q, e })).sort((a, b) => b.q - a.q).slice(0, topK).forEach(({ e }, k) => (f[k][e] += keep[n] / count));
    probs.forEach((q, e) => (p[e] += (q * keep[n]) / count));
  });
  return E * f.reduce((s, row) => s + row.reduce((t, v, e) => t + v * p[e], 0), 0);
}

describe('loadBalancingLoss', () => {
  const rng = new Rng(5);
  const layers = [0, 1].map(() => Array.from({ length: 6 }, () => values(E, rng).map((v) => 3 * v)));
  const mask = [[0, 1, 1], [1, 1, 1]];
  const logits = layers.map((l) => Tensor.fromValues([6, E], l.flat()));

  it('matches the formula by hand, without and with an attention mask', async () => {
    const [plain, masked] = await new ReferenceExecutor().compile([
      loadBalancingLoss(logits, E, 2),
      loadBalancingLoss(logits, E, 2, Tensor.fromValues([2, 3], mask.flat(), 'i64')),
    ]).run({});
    expect(plain.item()).toBeCloseTo(plainAux(layers, 2, null), 6);
    expect(masked.item()).toBeCloseTo(plainAux(layers, 2, mask), 6);
    expect(masked.item()).not.toBeCloseTo(plain.item(), 3);
  });

  it('refuses a mask that does not cover the routed tokens', () => {
    expect(() => loadBalancingLoss(logits, E, 2, Tensor.fromValues([1, 3], [1, 1, 1], 'i64'))).toThrow(/\[B, T\]/);
  });
});

describe('the MoE model loss with output_router_logits', () => {
  const dirs = tempDirs();
  afterAll(() => dirs.cleanup());

  it('is the cross-entropy plus router_aux_loss_coef times the load-balancing loss of its router logits', async () => {
    const dir = await dirs.make('moe-aux');
    await createTinyModel({ arch: 'mixtral', dir, seed: 1, config: { output_router_logits: true, router_aux_loss_coef: 0.25 } });
    const executor = new OrtExecutor();
    try {
      const { model } = await loadModel(dir);
      const rows = [[5, 9, 30, 2, 7, 100], [0, 0, 44, 3, 60, 8]];
      const feeds = { ids: HostTensor.i64([2, 6], rows.flat()), mask: HostTensor.i64([2, 6], [1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1]) };
      const ids = Tensor.input('ids', [2, 6], 'i64');
      const mask = Tensor.input('mask', [2, 6], 'i64');
      const out = model.forward(ids, { attentionMask: mask });
      expect(out.routerLogits).toHaveLength(2);
      const labels = Tensor.where(mask.ne(0), ids, -100);
      const run = await executor.compile([model.loss(ids, labels, { attentionMask: mask }), ...out.routerLogits!, out.logits]).run(feeds);
      const [loss, l0, l1] = run;
      const perLayer = [l0, l1].map((l) => Array.from({ length: 12 }, (_, n) => Array.from(l.toFloat32().subarray(n * 4, n * 4 + 4))));
      const aux = plainAux(perLayer, 2, [[1, 1, 1, 1, 1, 1], [0, 0, 1, 1, 1, 1]]);
      const [ce] = await executor.compile([
        F.crossEntropy(out.logits.reshape([12, -1]), labels.slice(1, 1).pad([[0, 0], [0, 1]], -100).reshape([12]), { ignoreIndex: -100 }),
      ]).run(feeds);
      expect(aux).toBeGreaterThan(0);
      expect(loss.item()).toBeCloseTo(ce.item() + 0.25 * aux, 5);
    } finally {
      await executor.dispose();
    }
  });
});
