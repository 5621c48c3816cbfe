import { F, type Tensor } from '@tunekit/core';
import { rowNorms } from '../peft/host-math.js';
import type { LoraAdapter, LoraLayer } from './lora.layer.js';

/**
 * What differs between LoRA variants, as strategy objects (PEFT's LoraVariant): how the adapter
 * changes the layer's output while training, and how its update folds into the base weight.
 */
export interface LoraVariant {
  readonly name: string;
  /** Output of the layer with this adapter applied on top of `out` (the base output so far). */
  forward(layer: LoraLayer, adapter: LoraAdapter, x: Tensor, out: Tensor): Tensor;
  /**
   * The merged base weight ([out, in], float64) given the original one and the adapter's delta
   * (scaling·B·A); returns what `unmerge` needs to invert it.
   */
  merge(adapter: LoraAdapter, weight: Float64Array, delta: Float64Array, rows: number, cols: number): Float64Array;
  /** `merge` traced: the merged [out, in] weight from the traced one (run by an executor, for inference). */
  mergedWeight(adapter: LoraAdapter, weight: Tensor): Tensor;
  unmerge(adapter: LoraAdapter, merged: Float64Array, delta: Float64Array, rows: number, cols: number): Float64Array;
}

function loraBranch(adapter: LoraAdapter, x: Tensor): Tensor {
  return adapter.lora_B.call(adapter.lora_A.call(adapter.dropout.call(x))).mul(adapter.scaling);
}

export const STANDARD_LORA: LoraVariant = {
  name: 'lora',
  forward: (_layer, adapter, x, out) => out.add(loraBranch(adapter, x)),
  merge: (_a, w, delta) => w.map((v, i) => v + delta[i]),
  mergedWeight: (adapter, w) => w.add(adapter.deltaWeight()),
  unmerge: (_a, w, delta) => w.map((v, i) => v - delta[i]),
};

/**
 * DoRA (Liu et al. 2024): the weight is split into a learned per-output magnitude and a direction
 * W + s·BA normalised per output row. The norm is treated as a constant in the backward pass (the
 * paper's section 4.3, and PEFT), which is what `detach()` does here.
 */
export const DORA: LoraVariant = {
  name: 'dora',
  forward(layer, adapter, x, out) {
    const magnitude = adapter.magnitude();
    const w = layer.weightOutIn();
    const norm = w.add(adapter.deltaWeight()).square().sum(-1).sqrt().detach();
    const scale = magnitude.div(norm);
    // Without dropout the base product is already in `out` (minus the bias); with it, the DoRA
    // term must see the same dropped input as the LoRA branch.
    const dropped = adapter.dropout.call(x);
    const baseNoBias = dropped === x ? layer.withoutBias(out) : F.linear(dropped, w);
    const loraOut = adapter.lora_B.call(adapter.lora_A.call(dropped)).mul(adapter.scaling);
    return out.add(scale.sub(1).mul(baseNoBias)).add(scale.mul(loraOut));
  },
  merge(adapter, w, delta, rows, cols) {
    const combined = w.map((v, i) => v + delta[i]);
    const norms = rowNorms(combined, rows, cols);
    const m = adapter.magnitudeValues();
    adapter.mergedScale = norms.map((nrm, i) => m[i] / nrm);
    return combined.map((v, i) => v * adapter.mergedScale![Math.floor(i / cols)]);
  },
  mergedWeight(adapter, w) {
    const combined = w.add(adapter.deltaWeight());
    const scale = adapter.magnitude().div(combined.square().sum(-1).sqrt());
    return combined.mul(scale.reshape(scale.dim(0), 1));
  },
  unmerge(adapter, merged, delta, _rows, cols) {
    const scale = adapter.mergedScale;
    if (!scale) throw new Error('DoRA unmerge without a previous merge');
    adapter.mergedScale = null;
    return merged.map((v, i) => v / scale[Math.floor(i / cols)] - delta[i]);
  },
};

export function variantFor(useDora: boolean): LoraVariant {
  return useDora ? DORA : STANDARD_LORA;
}
