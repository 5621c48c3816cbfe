import { Module, Parameter, type Rng, Tensor } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { assignValues, hostWeightOutIn, isCustomBaseLayer, isWeightedBase, setHostWeightOutIn } from '../peft/base-weight.js';
import { ParameterDict } from '../peft/parameter-dict.js';
import type { Ia3Base } from './ia3.targets.js';

/**
 * A layer with (IA)³ vectors beside it (peft.tuners.ia3.Linear). The base layer is kept as
 * `base_layer` and each adapter's vector as `ia3_l.<name>`, so paths and saved keys are PEFT's.
 * A feed-forward layer scales its input (vector [1, in]); any other scales its output ([out, 1]).
 * The base only needs forward(x): a 4-bit layer trains as well as a Linear; merging needs a
 * weight that can be written.
 */
export class Ia3Layer extends Module {
  readonly base_layer: Ia3Base;
  readonly ia3_l = this.module('ia3_l', new ParameterDict());
  readonly isFeedforward: boolean;
  readonly fanInFanOut: boolean;
  activeAdapters: string[] = [];
  disabled = false;
  /** Adapters currently folded into the base weight. */
  readonly merged: string[] = [];

  constructor(base: Ia3Base, isFeedforward: boolean) {
    super();
    this.base_layer = this.module('base_layer', base);
    this.isFeedforward = isFeedforward;
    this.fanInFanOut = base instanceof Conv1D;
  }

  /** How many values one vector holds: the input width of a feed-forward layer, else the output width. */
  get vectorSize(): number {
    return this.isFeedforward ? this.base_layer.inFeatures : this.base_layer.outFeatures;
  }

  /** PEFT's storage shape: [1, in] (broadcasts over columns) or [out, 1] (over rows). */
  get vectorShape(): [number, number] {
    return this.isFeedforward ? [1, this.vectorSize] : [this.vectorSize, 1];
  }

  addAdapter(name: string, opts: { init: boolean; rng: Rng }): Parameter {
    if (this.ia3_l.get(name)) throw new Error(`(IA)³ adapter "${name}" already exists on this layer`);
    // PEFT draws torch.randn first and overwrites it with ones unless init_ia3_weights is false.
    const values = Float64Array.from({ length: this.vectorSize }, () => (opts.init ? 1 : opts.rng.normal()));
    const p = this.ia3_l.set(name, Parameter.fromValues(this.vectorShape, values));
    if (this.activeAdapters.length === 0) this.activeAdapters = [name];
    return p;
  }

  /** The product of the active, unmerged vectors as a traced [n] tensor, or null when none applies. */
  private scaling(): Tensor | null {
    let s: Tensor | null = null;
    for (const name of this.activeAdapters) {
      const p = this.ia3_l.get(name);
      if (!p || this.merged.includes(name)) continue;
      const v = Tensor.param(p).float().reshape([this.vectorSize]);
      s = s ? s.mul(v) : v;
    }
    return s;
  }

  forward(x: Tensor): Tensor {
    if (this.disabled) {
      if (this.merged.length) throw new Error(`cannot disable (IA)³ adapters while ${this.merged.join(', ')} are merged into the base weight; unmerge first`);
      return this.base_layer.call(x);
    }
    const s = this.scaling();
    if (!s) return this.base_layer.call(x);
    return this.isFeedforward ? this.base_layer.call(x.mul(s)) : this.base_layer.call(x).mul(s);
  }

  // ---- merging on the host: W [out, in] scaled by rows (output) or by columns (input) ----

  /** Whether the base weight can be written (a 4-bit base cannot: merging into it is refused). */
  canMerge(): boolean {
    const base = this.base_layer;
    return isWeightedBase(base) && (!isCustomBaseLayer(base) || typeof base.setHostWeightOutIn === 'function');
  }

  private writableBase(action: string) {
    const base = this.base_layer;
    if (!isWeightedBase(base)) throw new Error(`cannot ${action} (IA)³ into a ${base.constructor.name}: it has no weight that can be written`);
    return base;
  }

  private vectorValues(name: string): Float32Array {
    const p = this.ia3_l.get(name);
    if (!p) throw new Error(`no (IA)³ adapter "${name}" on this layer`);
    return p.value.toFloat32();
  }

  /** Multiplies (or divides) the base weight, and for an output vector the bias, by adapter `name`'s vector. */
  private rescale(name: string, op: 'mul' | 'div', action: string): void {
    const base = this.writableBase(action);
    const v = this.vectorValues(name);
    const factor = op === 'mul' ? (i: number) => v[i] : (i: number) => 1 / v[i];
    const { inFeatures: cols, outFeatures: rows } = base;
    const w = hostWeightOutIn(base);
    const index = this.isFeedforward ? (_r: number, c: number) => c : (r: number) => r;
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) w[r * cols + c] *= factor(index(r, c));
    setHostWeightOutIn(base, w);
    // An output scale also scales the bias (it is added before the scale); an input scale does not.
    if (!this.isFeedforward && base.bias) assignValues(base.bias, Float64Array.from(base.bias.value.toFloat32(), (b, i) => b * factor(i)));
  }

  merge(names = this.activeAdapters): void {
    for (const name of names) {
      if (this.merged.includes(name)) continue;
      this.rescale(name, 'mul', 'merge');
      this.merged.push(name);
    }
  }

  /** Divides the vectors back out; a zero entry erased its row or column, so that merge cannot be undone. */
  unmerge(): void {
    for (const name of this.merged) {
      if (this.vectorValues(name).some((x) => x === 0)) {
        throw new Error(`cannot unmerge (IA)³ adapter "${name}": its vector has a zero entry, which erased that part of the merged weight; reload the base weights instead`);
      }
    }
    while (this.merged.length) this.rescale(this.merged.pop()!, 'div', 'unmerge');
  }
}
