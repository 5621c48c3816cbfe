import { describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { takeTracedFeeds } from '../ir/trace-context.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import { Dropout } from './dropout.js';
import { Embedding } from './embedding.js';
import { Linear } from './linear.js';
import { Module } from './module.js';
import { LayerNorm, RMSNorm } from './norm.js';

class Block extends Module {
  readonly q_proj = this.module('q_proj', new Linear(4, 4, { bias: false, rng: new Rng(1) }));
  readonly norm = this.module('norm', new RMSNorm(4));
  forward(x: Tensor): Tensor {
    return this.q_proj.call(this.norm.call(x));
  }
}

class Net extends Module {
  readonly embed_tokens = this.module('embed_tokens', new Embedding(10, 4, { rng: new Rng(2) }));
  readonly layers = [this.module('0', new Block())];
  readonly lm_head = this.module('lm_head', new Linear(4, 10, { rng: new Rng(3) }));
  forward(ids: Tensor): Tensor {
    return this.lm_head.call(this.layers[0].call(this.embed_tokens.call(ids)));
  }
}

describe('Module', () => {
  it('names parameters with dotted Hugging Face paths', () => {
    const net = new Net().nameParameters();
    expect(net.namedParameters().map(([n]) => n)).toEqual([
      'embed_tokens.weight',
      '0.q_proj.weight',
      '0.norm.weight',
      'lm_head.weight',
      'lm_head.bias',
    ]);
    expect(net.parameters()[3].name).toBe('lm_head.weight');
  });

  it('lists a tied weight once among parameters but under both names in the state dict', () => {
    class Tied extends Module {
      readonly embed = this.module('embed', new Embedding(5, 2));
      readonly head = this.module('head', new Linear(2, 5, { bias: false }));
      constructor() {
        super();
        (this.head as unknown as { param: (n: string, p: unknown) => void }).param('weight', this.embed.weight);
      }
      forward(): never {
        throw new Error('unused');
      }
    }
    const m = new Tied();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['embed.weight']);
    expect([...m.stateDict().keys()]).toEqual(['embed.weight', 'head.weight']);
  });

  it('freezes, unfreezes and switches train/eval through the whole tree', () => {
    const net = new Net();
    net.freeze();
    expect(net.trainableParameters()).toHaveLength(0);
    net.unfreeze((n) => n.startsWith('lm_head'));
    expect(net.trainableParameters()).toHaveLength(2);
    net.eval();
    expect([...net.namedModules()].every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.layers[0].q_proj.training).toBe(true);
  });

  it('clones a tree with its own parameters, keeping fields and tied weights consistent', () => {
    const net = new Net().nameParameters();
    const copy = net.clone();
    expect(copy).toBeInstanceOf(Net);
    expect(copy.namedParameters().map(([n]) => n)).toEqual(net.namedParameters().map(([n]) => n));
    expect(copy.lm_head.weight).toBe(copy.getModule('lm_head')!.namedParameters()[0][1]);
    expect(copy.lm_head.weight).not.toBe(net.lm_head.weight);
    (copy.lm_head.weight.value.data as Float32Array)[0] = 123;
    expect((net.lm_head.weight.value.data as Float32Array)[0]).not.toBe(123);
    expect(copy.layers[0]).toBe(copy.getModule('0'));
  });

  it('loads a state dict by name and reports missing and unexpected keys', () => {
    const net = new Net();
    const state = new Map([['lm_head.bias', HostTensor.f32([10], Array(10).fill(7))], ['extra.weight', HostTensor.f32([1], [0])]]);
    const { missing, unexpected } = net.loadStateDict(state);
    expect(Array.from(net.lm_head.bias!.value.toFloat32())).toEqual(Array(10).fill(7));
    expect(unexpected).toEqual(['extra.weight']);
    expect(missing).toContain('embed_tokens.weight');
    expect(() => net.loadStateDict(state, { strict: true })).toThrow('unexpected keys [extra.weight]');
    expect(() => net.loadStateDict(new Map([['lm_head.bias', HostTensor.f32([3], [1, 2, 3])]]))).toThrow('cannot assign shape [3] to [10]');
  });

  it('traces a forward whose values match a hand computation', async () => {
    const lin = new Linear(2, 1, { rng: new Rng(0) });
    lin.weight.assign(HostTensor.f32([1, 2], [2, -1]));
    lin.bias!.assign(HostTensor.f32([1], [0.5]));
    const [y] = await new ReferenceExecutor().compile([lin.call(Tensor.fromValues([2, 2], [1, 1, 3, 4]))]).run();
    expect(Array.from(y.toFloat32())).toEqual([1.5, 2.5]);
  });

  it('initialises Linear like PyTorch (uniform within 1/sqrt(fan_in)) and norms to ones/zeros', () => {
    const lin = new Linear(64, 32, { rng: new Rng(5) });
    const w = lin.weight.value.toFloat32();
    const bound = 1 / Math.sqrt(64);
    expect(Math.max(...w)).toBeLessThanOrEqual(bound);
    expect(Math.min(...w)).toBeGreaterThanOrEqual(-bound);
    expect(Math.max(...w)).toBeGreaterThan(bound * 0.9);
    expect(Array.from(new RMSNorm(3).weight.value.toFloat32())).toEqual([1, 1, 1]);
    // `empty` allocates zeros without drawing (a model about to load its weights).
    const empty = new Linear(4, 3, { empty: true, rng: new Rng(5) });
    expect([...empty.weight.value.toFloat32(), ...empty.bias!.value.toFloat32()].every((v) => v === 0)).toBe(true);
    expect([...new Embedding(5, 2, { empty: true }).weight.value.toFloat32()].every((v) => v === 0)).toBe(true);
    expect(Array.from(new LayerNorm(2).bias.value.toFloat32())).toEqual([0, 0]);
  });
});

describe('Dropout', () => {
  const x = Tensor.fromValues([1000], Array(1000).fill(1));
  const run = async (d: Dropout) => {
    const y = d.call(x);
    const [out] = await new ReferenceExecutor().compile([y]).run(takeTracedFeeds());
    return Array.from(out.toFloat32());
  };

  it('zeroes about p of the values, scales the rest by 1/(1-p), and is seeded', async () => {
    const a = await run(new Dropout(0.25, 42));
    const zeros = a.filter((v) => v === 0).length;
    expect(zeros).toBeGreaterThan(200);
    expect(zeros).toBeLessThan(300);
    expect(a.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).toBe(true);
    expect(await run(new Dropout(0.25, 42))).toEqual(a);
    expect(await run(new Dropout(0.25, 43))).not.toEqual(a);
  });

  it('is the identity in eval mode and keeps the program signature across steps', async () => {
    const d = new Dropout(0.5, 1).eval();
    expect(d.call(x)).toBe(x);
    d.train();
    const sig = (t: Tensor) => new ReferenceExecutor().compile([t]).graph.signature();
    const s1 = sig(d.call(x));
    const feeds1 = takeTracedFeeds();
    const s2 = sig(d.call(x));
    const feeds2 = takeTracedFeeds();
    expect(s2).toBe(s1);
    expect(Object.keys(feeds2)).toEqual(Object.keys(feeds1));
    expect(Object.values(feeds2)[0].data).not.toEqual(Object.values(feeds1)[0].data);
  });
});
