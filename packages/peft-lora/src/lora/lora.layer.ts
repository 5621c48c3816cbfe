import { Dropout, type HostTensor, Linear, Module, Parameter, Rng, Tensor, init } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { ModuleDict } from '../peft/module-dict.js';
import { type CustomBaseLayer, hostWeightOutIn, isCustomBaseLayer, setHostWeightOutIn } from '../peft/base-weight.js';
import { matmul, rowNorms } from '../peft/host-math.js';
import type { LoraInit } from './lora.config.js';
import { pissaInit } from './lora.pissa.js';
import type { LoraVariant } from './lora.variants.js';

/** A frozen layer of another kind that LoRA can wrap (QLoRA's 4-bit linear); see CustomBaseLayer. */
export type CustomLoraBase = CustomBaseLayer;
export const isCustomLoraBase = isCustomBaseLayer;

/** Layers LoRA can wrap: nn.Linear ([out, in] weight), GPT-2's Conv1D ([in, out], fan_in_fan_out), or a custom base. */
export type LoraBase = Linear | Conv1D | CustomLoraBase;

export interface AdapterSpec {
  r: number;
  alpha: number;
  scaling: number;
  dropout: number;
  init: LoraInit;
  variant: LoraVariant;
  rng: Rng;
}

/** A magnitude vector (DoRA) as a module, so its key is `lora_magnitude_vector.<adapter>.weight` as in PEFT. */
class Magnitude extends Module {
  readonly weight: Parameter;
  constructor(values: Float64Array) {
    super();
    this.weight = this.param('weight', Parameter.fromValues([values.length], values));
  }
  forward(): Tensor {
    return Tensor.param(this.weight);
  }
}

/** One adapter's modules inside a LoRA layer. */
export interface LoraAdapter {
  readonly name: string;
  readonly lora_A: Linear;
  readonly lora_B: Linear;
  readonly dropout: Dropout;
  readonly scaling: number;
  readonly variant: LoraVariant;
  readonly magnitudeModule: Magnitude | null;
  /** DoRA's per-row factor captured at merge time, to invert the merge exactly. */
  mergedScale: Float64Array | null;
  magnitude(): Tensor;
  magnitudeValues(): Float32Array;
  /** scaling · B · A as a traced [out, in] tensor. */
  deltaWeight(): Tensor;
}

const f32 = (p: Parameter) => Tensor.param(p).float();

/**
 * A Linear or Conv1D with LoRA adapters beside it (peft.tuners.lora.Linear): the base layer is kept
 * as `base_layer`, adapters as `lora_A.<name>` / `lora_B.<name>`, so module paths and saved keys are
 * PEFT's. The output is the base output plus each active adapter's contribution.
 */
export class LoraLayer extends Module {
  readonly base_layer: LoraBase;
  readonly lora_A = this.module('lora_A', new ModuleDict<Linear>());
  readonly lora_B = this.module('lora_B', new ModuleDict<Linear>());
  readonly lora_dropout = this.module('lora_dropout', new ModuleDict<Dropout>());
  readonly lora_magnitude_vector = this.module('lora_magnitude_vector', new ModuleDict<Magnitude>());
  readonly adapters = new Map<string, LoraAdapter>();
  activeAdapters: string[] = [];
  disabled = false;
  /** Adapters currently folded into the base weight. */
  readonly merged: string[] = [];
  readonly fanInFanOut: boolean;
  readonly inFeatures: number;
  readonly outFeatures: number;

  constructor(base: LoraBase) {
    super();
    this.base_layer = this.module('base_layer', base);
    this.fanInFanOut = base instanceof Conv1D;
    this.inFeatures = base.inFeatures;
    this.outFeatures = base.outFeatures;
  }

  /** The base weight as a traced [out, in] f32 tensor, whatever its storage layout. */
  weightOutIn(): Tensor {
    const base = this.base_layer;
    if (isCustomLoraBase(base)) return base.weightOutIn();
    const w = f32(base.weight);
    return this.fanInFanOut ? w.mT : w;
  }

  /** Removes the base bias from a base output (DoRA rescales only the weight product). */
  withoutBias(out: Tensor): Tensor {
    const bias = this.base_layer.bias;
    return bias ? out.sub(f32(bias)) : out;
  }

  addAdapter(name: string, spec: AdapterSpec): LoraAdapter {
    if (this.adapters.has(name)) throw new Error(`adapter "${name}" already exists on this layer`);
    const { r } = spec;
    const A = this.lora_A.set(name, new Linear(this.inFeatures, r, { bias: false, rng: spec.rng }));
    const B = this.lora_B.set(name, new Linear(r, this.outFeatures, { bias: false, rng: spec.rng }));
    const dropout = this.lora_dropout.set(name, new Dropout(spec.dropout, spec.rng.nextU32()));
    INITIALISERS[initKind(spec.init)](this, A, B, spec);
    const magnitudeModule = spec.variant.name === 'dora' ? this.lora_magnitude_vector.set(name, new Magnitude(this.initialMagnitude(A, B, spec.scaling))) : null;
    const adapter: LoraAdapter = {
      name,
      lora_A: A,
      lora_B: B,
      dropout,
      scaling: spec.scaling,
      variant: spec.variant,
      magnitudeModule,
      mergedScale: null,
      magnitude: () => magnitudeModule!.call(),
      magnitudeValues: () => magnitudeModule!.weight.value.toFloat32(),
      deltaWeight: () => f32(B.weight).matmul(f32(A.weight)).mul(spec.scaling),
    };
    this.adapters.set(name, adapter);
    if (this.activeAdapters.length === 0) this.activeAdapters = [name];
    return adapter;
  }

  forward(x: Tensor): Tensor {
    let out = this.base_layer.call(x);
    if (this.disabled) return this.merged.length ? this.throwMergedDisabled() : out;
    for (const name of this.activeAdapters) {
      if (this.merged.includes(name)) continue;
      const adapter = this.adapters.get(name)!;
      out = adapter.variant.forward(this, adapter, x, out);
    }
    return out;
  }

  private throwMergedDisabled(): never {
    throw new Error(`cannot disable adapters while ${this.merged.join(', ')} are merged into the base weight; unmerge first`);
  }

  // ---- weights on the host: merge, unmerge, initialisation ----

  /** The base weight as float64 [out, in]. */
  baseWeightOutIn(): Float64Array {
    return hostWeightOutIn(this.base_layer);
  }

  setBaseWeightOutIn(w: Float64Array): void {
    setHostWeightOutIn(this.base_layer, w);
  }

  /** scaling · B · A on the host, [out, in] float64. */
  deltaOutIn(name: string): Float64Array {
    const a = this.adapters.get(name)!;
    const r = a.lora_A.outFeatures;
    const delta = matmul(a.lora_B.weight.value.toFloat32(), a.lora_A.weight.value.toFloat32(), this.outFeatures, r, this.inFeatures);
    for (let i = 0; i < delta.length; i++) delta[i] *= a.scaling;
    return delta;
  }

  merge(names = this.activeAdapters): void {
    for (const name of names) {
      if (this.merged.includes(name)) continue;
      const a = this.adapters.get(name);
      if (!a) throw new Error(`no adapter "${name}" on this layer`);
      this.setBaseWeightOutIn(a.variant.merge(a, this.baseWeightOutIn(), this.deltaOutIn(name), this.outFeatures, this.inFeatures));
      this.merged.push(name);
    }
  }

  /**
   * Whether the active adapters can be folded into the base weight for inference (sampling): not
   * where the layer is disabled or something is merged already, where the base cannot be written (a
   * quantized base), or where its weight is 16-bit, whose rounding would swallow much of the
   * adapter's small update.
   */
  canMergeForInference(): boolean {
    const base = this.base_layer;
    return !this.disabled && !this.merged.length && this.activeAdapters.length > 0 && !isCustomLoraBase(base) && base.weight.dtype === 'f32';
  }

  /** The base weight with the active adapters folded in (each by its variant), traced, in the base's own layout. */
  mergedWeight(): Tensor {
    let w = this.weightOutIn();
    for (const name of this.activeAdapters) {
      const a = this.adapters.get(name)!;
      w = a.variant.mergedWeight(a, w);
    }
    return this.fanInFanOut ? w.mT : w;
  }

  /**
   * Takes `merged` (what `mergedWeight` computed) as the base weight, the active adapters marked
   * merged, until the returned function puts back the original weight array and the list of merged
   * adapters it held: exactly, where subtracting the update again would leave float rounding in it.
   */
  useMergedWeight(merged: HostTensor): () => void {
    const weight = (this.base_layer as Linear | Conv1D).weight;
    const original = weight.value;
    const mergedBefore = [...this.merged];
    weight.assign(merged);
    this.merged.push(...this.activeAdapters.filter((name) => !mergedBefore.includes(name)));
    return () => {
      weight.assign(original);
      this.merged.splice(0, this.merged.length, ...mergedBefore);
    };
  }

  unmerge(): void {
    while (this.merged.length) {
      const name = this.merged.pop()!;
      const a = this.adapters.get(name)!;
      this.setBaseWeightOutIn(a.variant.unmerge(a, this.baseWeightOutIn(), this.deltaOutIn(name), this.outFeatures, this.inFeatures));
    }
  }

  private initialMagnitude(A: Linear, B: Linear, scaling: number): Float64Array {
    const r = A.outFeatures;
    const delta = matmul(B.weight.value.toFloat32(), A.weight.value.toFloat32(), this.outFeatures, r, this.inFeatures);
    const w = this.baseWeightOutIn().map((v, i) => v + scaling * delta[i]);
    return rowNorms(w, this.outFeatures, this.inFeatures);
  }
}

type InitKind = 'kaiming' | 'gaussian' | 'pissa' | 'random';
const initKind = (i: LoraInit): InitKind =>
  i === true ? 'kaiming' : i === false ? 'random' : i === 'gaussian' ? 'gaussian' : 'pissa';

const zeroB = (B: Linear) => B.weight.assign(init.fill(B.weight.shape, 0, B.weight.dtype));

/** init_lora_weights strategies; every one except `false` starts as a no-op (B·A = 0, or W rebuilt exactly). */
const INITIALISERS: Record<InitKind, (layer: LoraLayer, A: Linear, B: Linear, spec: AdapterSpec) => void> = {
  // PEFT: kaiming_uniform_(A, a=√5) — Linear's own init, already drawn — and zeros for B.
  kaiming: (_l, _A, B) => zeroB(B),
  // Both keep nn.Linear's default (kaiming) init: the adapter changes the model from the start.
  random: () => {},
  gaussian: (_l, A, B, spec) => {
    A.weight.assign(init.normal(A.weight.shape, 1 / spec.r, spec.rng));
    zeroB(B);
  },
  pissa: (layer, A, B, spec) => pissaInit(layer, A, B, spec),
};
