import { Module } from '../nn/module.js';
import { Rng, type RngState } from '../random/rng.js';

/** A stable 32-bit mix of a seed and a number (an epoch, a name hash): distinct streams from one seed. */
export function mixSeed(seed: number, salt: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

/** FNV-1a of a name, so each registered Rng gets its own stream from the run's seed. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Every `Rng` held in a field of a module of the tree (Dropout's `rng`, or any plugin layer that
 * draws at trace time), named `<module path>.<field>`. A shared Rng is listed once, under its first name.
 */
export function collectModuleRngs(root: Module): Map<string, Rng> {
  const out = new Map<string, Rng>();
  const seen = new Set<Rng>();
  for (const [path, module] of root.namedModules()) {
    for (const [field, value] of Object.entries(module)) {
      if (!(value instanceof Rng) || seen.has(value)) continue;
      seen.add(value);
      out.set(path ? `${path}.${field}` : field, value);
    }
  }
  return out;
}

/** HF's `set_seed` for our explicit generators: each Rng restarts from (seed, its name). */
export function seedRngs(rngs: ReadonlyMap<string, Rng>, seed: number): void {
  for (const [name, rng] of rngs) rng.setState(new Rng(mixSeed(seed, hashName(name))).getState());
}

export function rngStates(rngs: ReadonlyMap<string, Rng>): Record<string, RngState> {
  return Object.fromEntries([...rngs].map(([name, rng]) => [name, rng.getState()]));
}

/** Restores every Rng; a checkpoint that lacks one of them, or names one the task lacks, is an error. */
export function restoreRngs(rngs: ReadonlyMap<string, Rng>, states: Readonly<Record<string, RngState>>, file: string): void {
  const missing = [...rngs.keys()].filter((n) => !Object.hasOwn(states, n));
  const unexpected = Object.keys(states).filter((n) => !rngs.has(n));
  if (missing.length || unexpected.length) {
    throw new Error(`${file}: RNG states do not match the task's generators (missing [${missing.join(', ')}], unexpected [${unexpected.join(', ')}])`);
  }
  for (const [name, rng] of rngs) {
    const state = states[name];
    if (!Array.isArray(state.s) || state.s.length !== 4 || !state.s.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)) {
      throw new Error(`${file}: RNG state '${name}' is malformed`);
    }
    rng.setState(state);
  }
}
