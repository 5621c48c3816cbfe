import type { ConfigFields } from './config-fields.js';
import { type LayerType, readLayerTypes } from './layer-types.js';

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
 * SmolLM3's `layer_types`, or when absent what its config class derives: with
 * `use_sliding_window` and a `sliding_window`, the NoPE layers slide and the RoPE layers see everything.
 */
export function nopeLayerTypes(f: ConfigFields, layers: number): LayerType[] {
  const slides = f.bool('use_sliding_window', false) && f.has('sliding_window');
  const rope = readRopeLayers(f, layers);
  return readLayerTypes(f, layers, (i) => (slides && !rope[i] ? 'sliding_attention' : 'full_attention'));
}
