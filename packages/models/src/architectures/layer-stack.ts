import { type Tensor, checkpointSegment } from '@tunekit/core';
import type { KvEntry } from './causal-lm.interface.js';
import type { LayerOutput } from './decoder.layer.js';

/**
 * Runs a backbone's layers in order, each on the previous one's output, collecting every layer's
 * cache entry (and MoE router logits, where layers have them). With `checkpointing` each layer is a
 * checkpoint segment, recomputed in the backward pass.
 */
export function runLayers<L>(
  layers: readonly L[],
  input: Tensor,
  checkpointing: boolean,
  step: (layer: L, h: Tensor, index: number) => LayerOutput,
): { hidden: Tensor; present: KvEntry[]; routerLogits: Tensor[] } {
  let h = input;
  const present: KvEntry[] = [];
  const routerLogits: Tensor[] = [];
  layers.forEach((layer, i) => {
    const x = h;
    const out = checkpointing ? checkpointSegment(() => step(layer, x, i)) : step(layer, x, i);
    h = out.hidden;
    present.push(out.present);
    if (out.routerLogits) routerLogits.push(out.routerLogits);
  });
  return { hidden: h, present, routerLogits };
}
