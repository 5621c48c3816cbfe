import type { ConfigFields } from './config-fields.js';

/** transformers' `layer_types` values this decoder implements. */
export const LAYER_TYPES = ['full_attention', 'sliding_attention'] as const;

/** How one decoder layer attends: to every earlier key, or to the last `sliding_window` keys only. */
export type LayerType = (typeof LAYER_TYPES)[number];

const isLayerType = (t: unknown): t is LayerType => (LAYER_TYPES as readonly unknown[]).includes(t);

/**
 * `layer_types` as given (one entry per layer), or the config class's own pattern when absent:
 * `fallback(i)` is layer i's type.
 */
export function readLayerTypes(f: ConfigFields, layers: number, fallback: (layer: number) => LayerType): LayerType[] {
  const raw = f.raw.layer_types;
  if (raw === undefined || raw === null) return Array.from({ length: layers }, (_, i) => fallback(i));
  if (!Array.isArray(raw)) f.fail('layer_types', 'expected a list of layer types');
  if (raw.length !== layers) f.fail('layer_types', `has ${raw.length} entries for ${layers} layers (num_hidden_layers)`);
  const k = raw.findIndex((t) => !isLayerType(t));
  if (k >= 0) f.fail(`layer_types[${k}]`, `"${String(raw[k])}" layers are not supported (supported: ${LAYER_TYPES.join(', ')})`);
  return raw as LayerType[];
}
