import type { Module } from '@tunekit/core';
import type { AdapterPlacement, BottleneckConfig } from './adapter.config.js';

export type SublayerKind = 'attention' | 'feed_forward';

/** The child names each kind of sublayer has in a transformer block (Llama family, Qwen, Mistral: self_attn; GPT-2: attn). */
export const SUBLAYER_NAMES: Readonly<Record<SublayerKind, readonly string[]>> = {
  attention: ['self_attn', 'attn'],
  feed_forward: ['mlp'],
};

/** Which sublayers each placement adapts. */
export const PLACEMENTS: Readonly<Record<AdapterPlacement, readonly SublayerKind[]>> = {
  houlsby: ['attention', 'feed_forward'],
  pfeiffer: ['feed_forward'],
};

/** A transformer block: the i-th child of a `layers` / `h` / `blocks` list. */
const BLOCK = /(?:^|\.)(?:layers|h|blocks)\.(\d+)$/;

export interface AdapterTarget {
  /** Path of the sublayer in the base model, e.g. `model.layers.0.self_attn`. */
  readonly path: string;
  readonly kind: SublayerKind;
  readonly layer: number;
}

/** The attention and/or feed-forward sublayers a config adapts, block by block, in module order. */
export function findAdapterTargets(model: Module, config: Pick<BottleneckConfig, 'config' | 'layers_to_transform'>): AdapterTarget[] {
  const wanted = config.layers_to_transform === null ? null : new Set(config.layers_to_transform);
  const targets: AdapterTarget[] = [];
  let blocks = 0;
  for (const [name, block] of model.namedModules()) {
    const match = BLOCK.exec(name);
    if (!match) continue;
    blocks++;
    const layer = Number(match[1]);
    if (wanted && !wanted.has(layer)) continue;
    for (const kind of PLACEMENTS[config.config]) {
      const child = SUBLAYER_NAMES[kind].find((n) => block.getModule(n));
      if (!child) throw new Error(`adapter: block "${name}" has no ${kind.replace('_', '-')} sublayer (looked for ${SUBLAYER_NAMES[kind].join(', ')})`);
      targets.push({ path: `${name}.${child}`, kind, layer });
    }
  }
  if (blocks === 0) throw new Error('adapter: found no transformer blocks (modules named layers.N, h.N or blocks.N) to adapt');
  if (wanted) {
    const absent = [...wanted].filter((i) => !targets.some((t) => t.layer === i));
    if (absent.length) throw new Error(`adapter: layers_to_transform names layer${absent.length > 1 ? 's' : ''} ${absent.join(', ')}, but the model has ${blocks} (0-${blocks - 1})`);
  }
  return targets;
}
