import type { KernelPlan } from '../plan/kernel-plan.types.js';
import { type Lifetime, overlaps, storageRoot, tempLifetimes } from './buffer-lifetimes.js';

/** Offsets inside the arena are multiples of this: cudaMalloc's alignment, what vector loads and cuBLASLt want. */
export const ARENA_ALIGNMENT = 256;

export interface Placement {
  readonly offset: number;
  readonly bytes: number;
  readonly lifetime: Lifetime;
}

export interface MemoryPlan {
  /** Where each temp storage root sits in the arena. */
  readonly placements: ReadonlyMap<number, Placement>;
  /** The arena's size: the highest end of any placement. */
  readonly arenaBytes: number;
  /** Bytes live at the busiest step: no placement can use less than this. */
  readonly liveBytesAtPeak: number;
  /** What giving every temp its own allocation would take. */
  readonly unplannedBytes: number;
}

const align = (n: number): number => Math.ceil(n / ARENA_ALIGNMENT) * ARENA_ALIGNMENT;

/**
 * Packs a plan's temp buffers into one arena: largest first, each into the smallest gap left by the
 * buffers already placed whose lifetimes overlap its own (best fit), else after them. Buffers whose
 * lifetimes do not overlap may share bytes; aliases share their root's placement.
 */
export function planMemory(plan: KernelPlan): MemoryPlan {
  const lifetimes = tempLifetimes(plan);
  const items = [...lifetimes].map(([id, lifetime]) => ({ id, bytes: align(storageRoot(plan, id).bytes), lifetime }));
  items.sort((a, b) => b.bytes - a.bytes || a.lifetime.first - b.lifetime.first || a.id - b.id);
  const placed: (Placement & { id: number })[] = [];
  for (const item of items) {
    const blockers = placed.filter((p) => overlaps(p.lifetime, item.lifetime)).sort((a, b) => a.offset - b.offset);
    let best: number | null = null;
    let bestGap = Infinity;
    let cursor = 0;
    for (const p of blockers) {
      const gap = p.offset - cursor;
      if (gap >= item.bytes && gap < bestGap) [best, bestGap] = [cursor, gap];
      cursor = Math.max(cursor, p.offset + p.bytes);
    }
    placed.push({ id: item.id, offset: best ?? cursor, bytes: item.bytes, lifetime: item.lifetime });
  }
  const placements = new Map(placed.map(({ id, ...p }) => [id, p]));
  return {
    placements,
    arenaBytes: placed.reduce((m, p) => Math.max(m, p.offset + p.bytes), 0),
    liveBytesAtPeak: liveAtPeak(items, plan.steps.length),
    unplannedBytes: items.reduce((s, i) => s + i.bytes, 0),
  };
}

function liveAtPeak(items: readonly { bytes: number; lifetime: Lifetime }[], steps: number): number {
  let peak = 0;
  for (let t = 0; t <= steps; t++) peak = Math.max(peak, items.reduce((s, i) => s + (i.lifetime.first <= t && t <= i.lifetime.last ? i.bytes : 0), 0));
  return peak;
}
