/**
 * The inverse of quantizing a model: every Linear4bit / Linear8bit becomes the plain layer it
 * replaced, holding exactly the f32 weight the quantized layer computes with (its host dequant),
 * bias kept. This is what merging an adapter into a quantized base needs: 4- and 8-bit codes cannot
 * absorb a LoRA delta, so the merge happens in f32 on the dequantized weights (as PEFT's
 * `merge_and_unload` on a bitsandbytes base does), and what comes out is a 16/32-bit model.
 */
import { HostTensor, Linear, type Module, Rng } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { Linear8bit } from '../int8/linear-8bit.js';
import { Linear4bit } from '../layers/linear-4bit.js';

export interface DequantizedLayer {
  readonly path: string;
  /** What the layer was stored in. */
  readonly bits: 4 | 8;
}

type QuantizedLayer = Linear4bit | Linear8bit;

const KINDS: readonly (readonly [abstract new (...args: never[]) => QuantizedLayer, 4 | 8])[] = [
  [Linear4bit, 4],
  [Linear8bit, 8],
];

const bitsOf = (m: Module): 4 | 8 | undefined => KINDS.find(([kind]) => m instanceof kind)?.[1];

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}

/** The plain layer, in the layout the architecture's checkpoint has (GPT-2's Conv1D stores [in, out]). */
function plainLayer(layer: QuantizedLayer): Linear | Conv1D {
  const { inFeatures, outFeatures } = layer;
  const weight = layer.dequantizedWeight();
  const bias = layer.bias ? Float32Array.from(layer.bias.value.toFloat32()) : null;
  if (layer instanceof Linear8bit && layer.conv1d) {
    const conv = new Conv1D(inFeatures, outFeatures, { dtype: 'f32', rng: new Rng(0), empty: true });
    conv.weight.assign(HostTensor.f32([inFeatures, outFeatures], transpose(weight, outFeatures, inFeatures)));
    if (bias) conv.bias.assign(HostTensor.f32([outFeatures], bias));
    return conv;
  }
  const linear = new Linear(inFeatures, outFeatures, { bias: bias !== null, empty: true });
  linear.weight.assign(HostTensor.f32([outFeatures, inFeatures], weight));
  if (bias) linear.bias!.assign(HostTensor.f32([outFeatures], bias));
  return linear;
}

/**
 * Replaces every Linear4bit and Linear8bit in `model` with its dequantized f32 Linear (or Conv1D),
 * in place, then renames parameters after their paths. Returns what was replaced, in model order.
 */
export function dequantizeModel<M extends Module>(model: M): DequantizedLayer[] {
  const targets = [...model.namedModules()].filter((e): e is [string, QuantizedLayer] => bitsOf(e[1]) !== undefined && e[0] !== '');
  for (const [path, layer] of targets) {
    const cut = path.lastIndexOf('.');
    const parent = cut < 0 ? model : model.getModule(path.slice(0, cut));
    if (!parent) throw new Error(`dequantizeModel: no parent module for "${path}"`);
    parent.replaceModule(path.slice(cut + 1), plainLayer(layer));
  }
  model.nameParameters();
  return targets.map(([path, layer]) => ({ path, bits: bitsOf(layer)! }));
}
