import type { ConfigFields } from './config-fields.js';

/**
 * SmolLM3's `no_rope_layers`: one entry per layer, 1 = the layer uses RoPE, 0 = NoPE (no
 * positional rotation at all). Absent, transformers makes every `no_rope_layer_interval`-th layer
 * (counting from 1) a NoPE layer.
 */
export function readRopeLayers(f: ConfigFields, layers: number): boolean[] {
  const given = f.raw.no_rope_layers;
  if (given === undefined || given === null) {
    const interval = f.int('no_rope_layer_interval', 4);
    return Array.from({ length: layers }, (_, i) => (i + 1) % interval !== 0);
  }
  if (!Array.isArray(given) || given.length < layers || !given.every((v) => v === 0 || v === 1)) {
    f.fail('no_rope_layers', `expected a list of 0/1 with at least one entry per layer (${layers})`);
  }
  return given.slice(0, layers).map((v) => v === 1);
}

/**
 * With `use_sliding_window` and no `layer_types`, SmolLM3 derives sliding-window attention for its
 * NoPE layers; per-layer windows are not implemented. Explicit `layer_types` are checked elsewhere.
 */
export function refuseNopeSlidingWindow(f: ConfigFields): null {
  if (f.bool('use_sliding_window', false) && f.has('sliding_window') && !Array.isArray(f.raw.layer_types)) {
    f.fail('use_sliding_window', 'sliding-window attention on NoPE layers is not supported');
  }
  return null;
}
