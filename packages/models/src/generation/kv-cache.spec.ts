import { HostTensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { StaticKvCache } from './kv-cache.js';
import { leftPad } from './left-padding.js';

/** [B, H, T, D] filled with value(b, h, t, d). */
const block = (b: number, h: number, t: number, d: number, value: (b: number, h: number, t: number, d: number) => number) => {
  const out = HostTensor.zeros('f32', [b, h, t, d]);
  for (let i = 0; i < out.size; i++) out.data[i] = value(Math.floor(i / (h * t * d)), Math.floor(i / (t * d)) % h, Math.floor(i / d) % t, i % d);
  return out;
};

describe('leftPad', () => {
  it('right-aligns prompts in a length rounded up to the multiple, with positions restarting per row', () => {
    const p = leftPad([[7, 8, 9], [5]], 0, 4);
    expect(p.length).toBe(4);
    expect(p.pads).toEqual([1, 3]);
    expect([...p.inputIds.data].map(Number)).toEqual([0, 7, 8, 9, 0, 0, 0, 5]);
    expect([...p.positionIds.data].map(Number)).toEqual([0, 0, 1, 2, 0, 0, 0, 0]);
    expect([...p.attentionMask.data]).toEqual([0, 1, 1, 1, 0, 0, 0, 1]);
  });
});

describe('StaticKvCache', () => {
  const shape = { layers: 2, batch: 2, heads: 2, capacity: 6, headDim: 3 };

  it('writes a prefill and then single steps into their slots, leaving the rest untouched', () => {
    const cache = new StaticKvCache(shape, [0, 0]);
    const tagged = (layer: number, kv: number, t: number, offset = 0) => block(2, 2, t, 3, (b, h, s, d) => 1000 * layer + 100 * kv + 10 * (s + offset) + b + h / 10 + d / 100);
    cache.append([tagged(0, 0, 3), tagged(0, 1, 3), tagged(1, 0, 3), tagged(1, 1, 3)]);
    cache.append([tagged(0, 0, 1, 3), tagged(0, 1, 1, 3), tagged(1, 0, 1, 3), tagged(1, 1, 1, 3)]);
    expect(cache.length).toBe(4);
    const at = (t: HostTensor, b: number, h: number, s: number, d: number) => t.data[((b * 2 + h) * 6 + s) * 3 + d];
    expect(at(cache.values[1], 1, 1, 2, 2)).toBeCloseTo(1000 + 100 + 20 + 1 + 0.1 + 0.02, 4);
    expect(at(cache.keys[0], 0, 1, 3, 0)).toBeCloseTo(30 + 0.1, 4);
    expect(at(cache.keys[1], 1, 0, 4, 1)).toBe(0);
  });

  it('masks left padding and empty slots, always shows the incoming token, and tracks positions per row', () => {
    const cache = new StaticKvCache(shape, [0, 2]);
    const kv = (t: number) => Array.from({ length: 4 }, () => block(2, 2, t, 3, () => 1));
    cache.append(kv(3));
    expect([...cache.mask.data]).toEqual([1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1]);
    expect([cache.nextPosition(0), cache.nextPosition(1)]).toEqual([3, 1]);
    cache.append(kv(1));
    expect([...cache.mask.data]).toEqual([1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1]);
    expect([cache.nextPosition(0), cache.nextPosition(1)]).toEqual([4, 2]);
  });

  it('keeps virtual-token slots visible to every row and hides the padding after them', () => {
    const cache = new StaticKvCache(shape, [0, 1], 2);
    const kv = (t: number) => Array.from({ length: 4 }, () => block(2, 2, t, 3, () => 1));
    cache.append(kv(4));
    expect([...cache.mask.data]).toEqual([1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1]);
    // Positions count the virtual tokens: row 1 has 2 virtual and 1 real token so far.
    expect([cache.nextPosition(0), cache.nextPosition(1)]).toEqual([4, 3]);
    cache.append(kv(1));
    expect([...cache.mask.data]).toEqual([1, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1]);
  });

  it('grows into more slots keeping every filled slot, the mask and the positions, and refuses to shrink', () => {
    const cache = new StaticKvCache(shape, [0, 2], 1);
    const tagged = (t: number, offset: number) => Array.from({ length: 4 }, (_, i) => block(2, 2, t, 3, (b, h, s, d) => 100 * i + 10 * (s + offset) + b + h / 10 + d / 100));
    cache.append(tagged(5, 0));
    cache.append(tagged(1, 5));
    const grown = cache.grown(9);
    expect(grown.shape.capacity).toBe(9);
    expect(grown.length).toBe(6);
    const at = (t: HostTensor, cap: number, b: number, h: number, s: number, d: number) => t.data[((b * 2 + h) * cap + s) * 3 + d];
    for (const [b, h, s, d] of [[0, 0, 0, 0], [1, 1, 5, 2], [1, 0, 3, 1], [0, 1, 4, 0]]) {
      expect(at(grown.values[1], 9, b, h, s, d)).toBe(at(cache.values[1], 6, b, h, s, d));
      expect(at(grown.keys[0], 9, b, h, s, d)).toBe(at(cache.keys[0], 6, b, h, s, d));
    }
    expect(at(grown.keys[1], 9, 1, 1, 6, 0)).toBe(0);
    // Row 1: virtual slot 0 visible, its 2 pads hidden, then 3 real slots; every row sees the incoming token.
    expect([...grown.mask.data]).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1]);
    expect([grown.nextPosition(0), grown.nextPosition(1)]).toEqual([cache.nextPosition(0), cache.nextPosition(1)]);
    grown.append(tagged(1, 6));
    expect(grown.mask.data[1 * 10 + 6]).toBe(1);
    expect(() => cache.grown(5)).toThrow(/cannot shrink from 6 to 5 slots/);
  });

  it('takes each row from the prefill row it names (a prompt prefilled once for its repeats), as if the rows had been copied first', () => {
    const rows = [1, 0, 1];
    const shape3 = { ...shape, batch: 3 };
    const tagged = (n: number) => Array.from({ length: 4 }, (_, i) => block(n, 2, 2, 3, (b, h, s, d) => 1000 * i + 100 * b + 10 * s + h + d / 10));
    const distinct = tagged(2);
    const repeated = distinct.map((t) => {
      const out = HostTensor.zeros('f32', [3, 2, 2, 3]);
      rows.forEach((r, b) => out.data.set(t.data.subarray(r * 12, (r + 1) * 12), b * 12));
      return out;
    });
    const [mapped, copied] = [new StaticKvCache(shape3, [0, 1, 0]), new StaticKvCache(shape3, [0, 1, 0])];
    mapped.append(distinct, rows);
    copied.append(repeated);
    for (let layer = 0; layer < 2; layer++) {
      expect([...mapped.keys[layer].data]).toEqual([...copied.keys[layer].data]);
      expect([...mapped.values[layer].data]).toEqual([...copied.values[layer].data]);
    }
    expect([...mapped.mask.data]).toEqual([...copied.mask.data]);
    // Layer 1 keys (kv[2]), cache row 2 = prefill row 1, head 1, slot 1, d 0.
    expect(mapped.keys[1].data[(2 * 2 + 1) * 6 * 3 + 3]).toBe(2000 + 100 + 10 + 1);
    expect(() => new StaticKvCache(shape3, [0, 0, 0]).append(distinct, [0, 2, 1])).toThrow(/3 rows cannot be taken from rows \[0, 2, 1\] of 2/);
    expect(() => new StaticKvCache(shape3, [0, 0, 0]).append(distinct, [0, 1])).toThrow(/3 rows cannot be taken/);
  });

  it('refuses to overflow its slots', () => {
    const cache = new StaticKvCache(shape, [0, 0]);
    expect(() => cache.append(Array.from({ length: 4 }, () => block(2, 2, 7, 3, () => 0)))).toThrow(/0 \+ 7 positions exceed its 6 slots/);
  });
});
