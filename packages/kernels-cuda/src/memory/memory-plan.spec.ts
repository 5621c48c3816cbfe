import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KernelPlan } from '../plan/kernel-plan.types.js';
import { byteBuffer, plan, touchStep } from '../testing/plan-builder.test-support.js';
import { ARENA_ALIGNMENT, planMemory } from './memory-plan.js';

/** Lifetimes worked out here independently of buffer-lifetimes.ts: the first and last step index naming a storage (outputs: the end). */
function naiveLifetimes(p: KernelPlan): Map<number, [number, number]> {
  const root = (id: number): number => {
    const b = p.buffers.find((x) => x.id === id)!;
    return b.aliasOf === undefined ? id : root(b.aliasOf);
  };
  const out = new Map<number, [number, number]>();
  const use = (id: number, t: number) => {
    const r = root(id);
    if (p.buffers.find((b) => b.id === r)!.role !== 'temp') return;
    const [a, b] = out.get(r) ?? [t, t];
    out.set(r, [Math.min(a, t), Math.max(b, t)]);
  };
  p.steps.forEach((s, t) => [...s.reads, ...s.writes].forEach((id) => use(id, t)));
  p.outputs.forEach((id) => use(id, p.steps.length));
  return out;
}

/** Random plans: an input, a param, temps of random sizes (some aliasing an earlier buffer), steps touching random ones, one or two outputs. */
const plans = fc
  .record({
    sizes: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 24 }),
    aliasing: fc.array(fc.nat(), { maxLength: 24 }),
    steps: fc.array(fc.record({ reads: fc.array(fc.nat(), { maxLength: 3 }), writes: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) }), { minLength: 1, maxLength: 30 }),
    outputAlias: fc.option(fc.nat()),
  })
  .map(({ sizes, aliasing, steps, outputAlias }) => {
    const temps = sizes.map((bytes, i) => {
      const target = aliasing[i] === undefined || i === 0 || aliasing[i] % 3 !== 0 ? undefined : 2 + (aliasing[i] % i);
      return target === undefined ? byteBuffer(2 + i, 'temp', bytes) : byteBuffer(2 + i, 'temp', Math.min(bytes, sizes[target - 2]), target);
    });
    // An alias must not be larger than its root: shrink to the root's size.
    const fixed = temps.map((b) => (b.aliasOf === undefined ? b : byteBuffer(b.id, 'temp', Math.min(b.bytes, rootBytes(temps, b.aliasOf)), b.aliasOf)));
    const ids = fixed.map((b) => b.id);
    const pick = (n: number) => ids[n % ids.length];
    const output = byteBuffer(2 + sizes.length, 'output', 64);
    const extra = outputAlias === null ? [] : [byteBuffer(3 + sizes.length, 'temp', 1, pick(outputAlias))];
    const buffers = [byteBuffer(0, 'input', 64), byteBuffer(1, 'param', 64), ...fixed, output, ...extra];
    const body = steps.map((s) => touchStep([0, 1, ...s.reads.map(pick)], s.writes.map(pick)));
    return plan(buffers, [...body, touchStep([pick(0)], [output.id])], [output.id, ...extra.map((b) => b.id)]);
  });

function rootBytes(temps: readonly { id: number; bytes: number; aliasOf?: number }[], id: number): number {
  const b = temps.find((t) => t.id === id)!;
  return b.aliasOf === undefined ? b.bytes : rootBytes(temps, b.aliasOf);
}

describe('planMemory', () => {
  it('lets buffers whose lifetimes do not overlap share bytes: a chain of three needs two slots', () => {
    // in → t2 → t3 → t4 → out: t2 is dead once t3 is written, so t4 can take t2's place.
    const p = plan(
      [byteBuffer(0, 'input', 1000), byteBuffer(2, 'temp', 1000), byteBuffer(3, 'temp', 1000), byteBuffer(4, 'temp', 1000), byteBuffer(5, 'output', 1000)],
      [touchStep([0], [2]), touchStep([2], [3]), touchStep([3], [4]), touchStep([4], [5])],
      [5],
    );
    const m = planMemory(p);
    expect(m.arenaBytes).toBe(2 * 1024);
    expect(m.unplannedBytes).toBe(3 * 1024);
    expect(m.liveBytesAtPeak).toBe(2 * 1024);
    expect(m.placements.get(2)!.offset).toBe(m.placements.get(4)!.offset);
    expect(m.placements.has(0)).toBe(false);
    expect(m.placements.has(5)).toBe(false);
  });

  it('gives an alias its root\'s storage and keeps a temp that an output aliases alive until the end', () => {
    const p = plan(
      [byteBuffer(0, 'input', 512), byteBuffer(2, 'temp', 512), byteBuffer(3, 'output', 512, 2), byteBuffer(4, 'temp', 512), byteBuffer(5, 'temp', 512, 4)],
      [touchStep([0], [2]), touchStep([0], [4]), touchStep([5], [])],
      [3],
    );
    const m = planMemory(p);
    expect([...m.placements.keys()].sort()).toEqual([2, 4]);
    expect(m.placements.get(2)!.lifetime).toEqual({ first: 0, last: 3 });
    expect(m.placements.get(4)!.lifetime).toEqual({ first: 1, last: 2 });
    expect(m.placements.get(2)!.offset).not.toBe(m.placements.get(4)!.offset);
  });

  it('refuses an alias cycle, an alias of a buffer not in the plan, and an alias larger than its root', () => {
    const cyc = plan([byteBuffer(2, 'temp', 8, 3), byteBuffer(3, 'temp', 8, 2)], [touchStep([], [2])], []);
    expect(() => planMemory(cyc)).toThrow(/buffer 2 aliases itself/);
    expect(() => planMemory(plan([byteBuffer(2, 'temp', 8, 9)], [touchStep([], [2])], []))).toThrow(/buffer 2 is not in the plan's buffer list/);
    expect(() => planMemory(plan([byteBuffer(2, 'temp', 8), byteBuffer(3, 'temp', 16, 2)], [touchStep([], [3])], []))).toThrow(/buffer 3 \(16 bytes\) aliases buffer 2 of 8 bytes/);
  });

  it('never lets two temps that are live at the same step overlap, places every used one aligned, and reports a peak between the live bound and no planning', () => {
    fc.assert(
      fc.property(plans, (p) => {
        const m = planMemory(p);
        const lives = naiveLifetimes(p);
        expect([...m.placements.keys()].sort((a, b) => a - b)).toEqual([...lives.keys()].sort((a, b) => a - b));
        const placed = [...m.placements];
        for (const [id, a] of placed) {
          expect(a.offset % ARENA_ALIGNMENT).toBe(0);
          expect(a.bytes).toBeGreaterThanOrEqual(p.buffers.find((b) => b.id === id)!.bytes);
          expect(a.offset + a.bytes).toBeLessThanOrEqual(m.arenaBytes);
          expect([a.lifetime.first, a.lifetime.last]).toEqual(lives.get(id));
          for (const [other, b] of placed) {
            if (other === id) continue;
            const [la, lb] = [lives.get(id)!, lives.get(other)!];
            const together = la[0] <= lb[1] && lb[0] <= la[1];
            const shareBytes = a.offset < b.offset + b.bytes && b.offset < a.offset + a.bytes;
            expect(together && shareBytes, `temps ${id} and ${other}`).toBe(false);
          }
        }
        expect(m.arenaBytes).toBeGreaterThanOrEqual(m.liveBytesAtPeak);
        expect(m.arenaBytes).toBeLessThanOrEqual(m.unplannedBytes);
      }),
      { seed: 17, numRuns: 300 },
    );
  });
});
