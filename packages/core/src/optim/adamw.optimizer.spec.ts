import { describe, expect, it } from 'vitest';
import { fromFloat32, toFloat32 } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { Parameter } from '../ir/parameter.js';
import { ADAMW_DEFAULTS, AdamW, decayGroups } from './adamw.optimizer.js';
import type { OptimizerState } from './optimizer.interface.js';

const named = (name: string, values: number[], dtype: 'f32' | 'bf16' | 'f16' = 'f32'): Parameter => {
  const p = Parameter.fromValues([values.length], values, dtype);
  p.name = name;
  return p;
};

const f32Of = (p: Parameter): number[] => Array.from(toFloat32(p.dtype, p.value.data));

const expectClose = (actual: ArrayLike<number>, expected: number[], tol = 1e-6): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e), `element ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(tol));
};

/** Raw bits, so comparisons are exact (distinguishes -0, compares NaN payloads). */
const bitsOf = (p: Parameter): number[] => {
  const d = p.value.data as Float32Array | Uint16Array;
  return Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d);
};

/** Storage values as plain numbers (raw half bits for bf16/f16). */
const rawOf = (data: unknown): number[] => Array.from(data as ArrayLike<number>);

const GRADS = [
  [0.1, -0.2, 0.3],
  [0.2, 0.1, -0.1],
  [-0.3, 0.05, 0.2],
];

describe('AdamW', () => {
  it('has torch.optim.AdamW defaults', () => {
    expect(ADAMW_DEFAULTS).toEqual({ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
    const opt = new AdamW([named('w', [1])]);
    expect(opt.paramGroups[0]).toMatchObject({ lr: 1e-3, initialLr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01 });
  });

  it('matches three hand-computed steps, with decay (group 0) and without (group 1)', () => {
    const w = named('w', [1, -2, 0.5]);
    const b = named('b', [0.5, 0.25, -1]);
    const opt = new AdamW(
      [
        { params: [w], lr: 0.1, weightDecay: 0.01 },
        { params: [b], lr: 0.05, weightDecay: 0 },
      ],
      { betas: [0.9, 0.999], eps: 1e-8 },
    );

    // Step 1 (t=1): bias correction makes m_hat = g and v_hat = g^2, so the Adam update is lr * g / (|g| + eps).
    //   w: p = p * (1 - 0.1*0.01) - 0.1 * g / (|g| + 1e-8)
    //      [1*0.999 - 0.0999999900, -2*0.999 + 0.0999999950, 0.5*0.999 - 0.0999999967]
    //   b: p = p - 0.05 * g / (|g| + 1e-8)       (no decay)
    // Step 2 (t=2), element 0 of w, g = 0.2:
    //   p = 0.89900001 * 0.999 = 0.89810101
    //   m = 0.9*0.01 + 0.1*0.2 = 0.029            v = 0.999*1e-5 + 0.001*0.04 = 4.999e-5
    //   bc1 = 1 - 0.9^2 = 0.19                    bc2 = 1 - 0.999^2 = 0.001999
    //   denom = sqrt(4.999e-5)/sqrt(0.001999) + 1e-8 = 0.15813762
    //   p -= (0.1/0.19) * 0.029 / denom = 0.09651820  ->  0.80158281
    // Step 3 (t=3), element 0 of w, g = -0.3:
    //   p = 0.80158281 * 0.999 = 0.80078123
    //   m = 0.9*0.029 + 0.1*(-0.3) = -0.0039      v = 0.999*4.999e-5 + 0.001*0.09 = 1.3994001e-4
    //   bc1 = 0.271                               bc2 = 0.002997001
    //   denom = sqrt(1.3994001e-4)/sqrt(0.002997001) + 1e-8 = 0.21608645
    //   p -= (0.1/0.271) * (-0.0039) / denom  ->  0.80078123 + 0.00665990 = 0.80744113
    const expectedW = [
      [0.89900001, -1.898000005, 0.399500003],
      [0.801582814, -1.869468303, 0.359078648],
      [0.807441132, -1.861459949, 0.298410923],
    ];
    const expectedB = [
      [0.450000005, 0.299999998, -1.049999998],
      [0.401740907, 0.313316849, -1.070010926],
      [0.405070857, 0.316386292, -1.100165249],
    ];
    GRADS.forEach((g, t) => {
      w.grad = Float32Array.from(g);
      b.grad = Float32Array.from(g);
      opt.step();
      expectClose(f32Of(w), expectedW[t]);
      expectClose(f32Of(b), expectedB[t]);
    });
    expect(opt.stepCount).toBe(3);

    // The moments themselves (element 0 of w, after step 3): m = -0.0039, v = 1.3994001e-4.
    const { buffers, meta } = opt.stateDict();
    expectClose([buffers.w.exp_avg[0], buffers.w.exp_avg_sq[0]], [-0.0039, 1.3994001e-4], 1e-8) // grads are f32, so m carries ~1e-9 of their rounding;
    expect(meta.scalars.w).toEqual({ step: 3 });
  });

  it('updates f32 parameters in place, so executors holding value.data see the new weights', () => {
    const w = named('w', [1, 2, 3]);
    const data = w.value.data;
    const opt = new AdamW([w], { lr: 0.1 });
    w.grad = Float32Array.of(1, 1, 1);
    opt.step();
    expect(w.value.data).toBe(data);
    expect(data[0]).not.toBe(1);
  });

  it('skips parameters whose grad is null, keeping their own step count for bias correction', () => {
    const a = named('a', [1, 1, 1]);
    const b = named('b', [1, 1, 1]);
    const opt = new AdamW([a, b], { lr: 0.1, weightDecay: 0 });
    a.grad = Float32Array.of(0.5, 0.5, 0.5);
    opt.step();
    a.grad = Float32Array.of(0.5, 0.5, 0.5);
    b.grad = null;
    opt.step();
    expect(f32Of(b)).toEqual([1, 1, 1]);

    // b's first real step is t=1 even though the optimizer took two: update = lr * g/(|g|+eps).
    b.grad = Float32Array.of(0.5, -0.5, 0.5);
    opt.step();
    expectClose(f32Of(b), [0.9, 1.1, 0.9]);
    expect(opt.stateDict().meta.scalars).toEqual({ a: { step: 3 }, b: { step: 1 } });
  });

  it('scales every group proportionally with setLr / setLrMultiplier', () => {
    const opt = new AdamW([
      { params: [named('a', [1])], lr: 1e-3 },
      { params: [named('b', [1])], lr: 1e-4 },
    ]);
    opt.lr = 5e-4;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([5e-4, 5e-5]);
    opt.setLrMultiplier(0.1);
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([1e-3 * 0.1, 1e-4 * 0.1]);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([1e-3, 1e-4]);
  });

  it('keeps an f32 master copy for bf16 parameters and writes back rounded values', () => {
    const half = named('h', [1, -1, 0.25], 'bf16');
    const full = named('f', [1, -1, 0.25]);
    const storage = half.value.data;
    const opt = new AdamW([half, full], { lr: 1e-4, weightDecay: 0.01 });
    for (let t = 0; t < 50; t++) {
      half.grad = Float32Array.of(1, -1, 0.5);
      full.grad = Float32Array.of(1, -1, 0.5);
      opt.step();
    }
    const master = opt.stateDict().buffers.h.master;
    // The master follows exactly the trajectory of the same parameter held in f32...
    expect(Array.from(master)).toEqual(rawOf(full.value.data));
    // ...and the bf16 storage (same array, updated in place) is its round-to-nearest-even.
    expect(half.value.data).toBe(storage);
    expect(rawOf(half.value.data)).toEqual(rawOf(fromFloat32('bf16', master)));
    // Updates of 1e-4 are far below bf16's 2^-8 spacing below 1: only the master lets them accumulate.
    expect(f32Of(half)[0]).toBe(0.99609375);
  });

  it('supports f16 parameters the same way', () => {
    const half = named('h', [0.5, 2], 'f16');
    const opt = new AdamW([half], { lr: 1e-2 });
    half.grad = Float32Array.of(1, 1);
    opt.step();
    const master = opt.stateDict().buffers.h.master;
    expectClose(master, [0.5 * (1 - 1e-4) - 1e-2, 2 * (1 - 1e-4) - 1e-2]);
    expect(rawOf(half.value.data)).toEqual(rawOf(fromFloat32('f16', master)));
  });

  it('re-reads the master when a half-precision parameter is assigned new weights', () => {
    const half = named('h', [1, 1], 'bf16');
    const opt = new AdamW([half], { lr: 0.1, weightDecay: 0 });
    half.grad = Float32Array.of(1, 1);
    opt.step();
    half.assign(new HostTensor('bf16', [2], fromFloat32('bf16', [4, 8])));
    half.grad = Float32Array.of(0, 0);
    opt.step();
    // From the new weights: m, v carry over, so the step-2 update is lr * (0.09/0.19) / (sqrt(0.000999/0.001999)).
    const update = (0.1 * (0.09 / 0.19)) / Math.sqrt(0.000999 / 0.001999);
    expectClose(opt.stateDict().buffers.h.master, [4 - update, 8 - update]);
  });

  it('round-trips its state dict: restored optimizer continues bit-identically', () => {
    const makeParams = () => [named('layer.weight', [0.3, -0.7, 1.1]), named('layer.bias', [0.1, 0.2, -0.3]), named('emb', [1, -1, 0.5, 2], 'bf16')];
    const build = (ps: Parameter[]) =>
      new AdamW(decayGroups(ps.map((p) => [p.name, p] as const), 0.1), { lr: 3e-2, betas: [0.8, 0.99] });
    const gradsAt = (t: number, p: Parameter) => Float32Array.from({ length: p.size }, (_, i) => Math.sin(t * 7 + i * 3 + p.size));

    const original = makeParams();
    const opt = build(original);
    for (let t = 0; t < 3; t++) {
      for (const p of original) p.grad = gradsAt(t, p);
      opt.step();
    }
    const saved = opt.stateDict();
    // The metadata survives JSON; the buffers are what a tensor file would hold.
    const restoredState: OptimizerState = { meta: JSON.parse(JSON.stringify(saved.meta)), buffers: saved.buffers };

    const copies = original.map((p) => {
      const c = new Parameter(new HostTensor(p.dtype, p.shape, p.value.data.slice()));
      c.name = p.name;
      return c;
    });
    const restored = build(copies);
    restored.loadStateDict(restoredState);
    expect(restored.stepCount).toBe(3);
    expect(restored.paramGroups.map((g) => g.weightDecay)).toEqual([0.1, 0]);

    for (let t = 3; t < 5; t++) {
      for (const [i, p] of original.entries()) {
        p.grad = gradsAt(t, p);
        copies[i].grad = gradsAt(t, p);
      }
      opt.step();
      restored.step();
    }
    copies.forEach((c, i) => expect(bitsOf(c)).toEqual(bitsOf(original[i])));
    const a = opt.stateDict();
    const b = restored.stateDict();
    expect(b.meta).toEqual(a.meta);
    for (const name of Object.keys(a.buffers)) {
      for (const key of Object.keys(a.buffers[name])) {
        expect(Array.from(new Uint32Array(b.buffers[name][key].buffer)), `${name}/${key}`).toEqual(Array.from(new Uint32Array(a.buffers[name][key].buffer)));
      }
    }
  });

  it('state dicts are snapshots, not views of live state', () => {
    const w = named('w', [1, 2]);
    const opt = new AdamW([w]);
    w.grad = Float32Array.of(1, 1);
    opt.step();
    const saved = opt.stateDict();
    const before = Array.from(saved.buffers.w.exp_avg);
    opt.step();
    expect(Array.from(saved.buffers.w.exp_avg)).toEqual(before);
  });

  it('is deterministic: identical inputs give bit-identical weights', () => {
    const run = () => {
      const p = named('w', Array.from({ length: 257 }, (_, i) => Math.cos(i)));
      const opt = new AdamW([p], { lr: 1e-2 });
      for (let t = 0; t < 4; t++) {
        p.grad = Float32Array.from({ length: p.size }, (_, i) => Math.sin(i * 0.37 + t));
        opt.step();
      }
      return bitsOf(p);
    };
    expect(run()).toEqual(run());
  });

  it('rejects bad configuration and mismatched checkpoints like torch does', () => {
    const p = named('w', [1]);
    expect(() => new AdamW([p], { lr: -1 })).toThrow(/learning rate/);
    expect(() => new AdamW([p], { betas: [1, 0.999] })).toThrow(/beta/);
    expect(() => new AdamW([p], { weight_decay: 0.1 } as never)).toThrow(/unknown option 'weight_decay'/);
    expect(() => new AdamW([])).toThrow(/empty parameter list/);
    expect(() => new AdamW([{ params: [p] }, { params: [p] }])).toThrow(/more than one parameter group/);

    const opt = new AdamW([p]);
    p.grad = Float32Array.of(1, 2);
    expect(() => opt.step()).toThrow(/2 elements/);

    const other = new AdamW([named('v', [1])]);
    expect(() => other.loadStateDict(opt.stateDict())).toThrow(/different parameters/);
    expect(() => opt.loadStateDict({ ...opt.stateDict(), meta: { ...opt.stateDict().meta, kind: 'sgd' } })).toThrow(/'sgd'/);
  });
});

describe('decayGroups', () => {
  it('splits parameters like HF Trainer: no decay for biases and norm weights', () => {
    const names = [
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.q_proj.bias',
      'model.layers.0.input_layernorm.weight',
      'model.norm.weight',
      'transformer.h.0.ln_1.weight',
      'transformer.h.0.LayerNorm.bias',
      'lm_head.weight',
    ];
    const params = names.map((n) => named(n, [0]));
    const frozen = named('frozen.weight', [0]);
    frozen.requiresGrad = false;
    const [decay, noDecay] = decayGroups([...params.map((p) => [p.name, p] as const), [frozen.name, frozen]], 0.05);
    expect(decay.weightDecay).toBe(0.05);
    expect(noDecay.weightDecay).toBe(0);
    expect(decay.params.map((p) => p.name)).toEqual(['model.layers.0.self_attn.q_proj.weight', 'lm_head.weight']);
    expect(noDecay.params.map((p) => p.name)).toEqual(names.filter((n) => !['model.layers.0.self_attn.q_proj.weight', 'lm_head.weight'].includes(n)));
  });
});
