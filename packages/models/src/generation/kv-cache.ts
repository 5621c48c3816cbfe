import { HostTensor } from '@tunekit/core';

export interface KvCacheShape {
  readonly layers: number;
  readonly batch: number;
  /** Key/value heads (fewer than query heads under grouped-query attention). */
  readonly heads: number;
  /** Slots per row: the padded prompt plus every generated token but the last, rounded up. */
  readonly capacity: number;
  readonly headDim: number;
}

/**
 * Keys and values of every layer in host buffers [B, Hkv, capacity, D] allocated once, plus the
 * key mask [B, capacity + 1] that says which slots hold real positions (the extra last column is
 * the token being decoded). Shapes never change while it fills, so one compiled decode program
 * serves every step until it is full; the buffers are fed to it as zero-copy inputs and only the
 * new slot is written back, so no step copies the cache (`grown` copies it once per growth).
 */
export class StaticKvCache {
  readonly keys: HostTensor<'f32'>[];
  readonly values: HostTensor<'f32'>[];
  readonly mask: HostTensor<'bool'>;
  /** Slots filled so far (the same for every row: short prompts are left-padded). */
  private filled = 0;

  constructor(
    readonly shape: KvCacheShape,
    /** Left padding of each row: these slots (after the virtual ones) never become visible. */
    private readonly pads: readonly number[],
    /** Slots before the padding that every row sees: a prompt-learning method's virtual tokens. */
    private readonly virtual = 0,
  ) {
    const { layers, batch, heads, capacity, headDim } = shape;
    const buffer = () => HostTensor.zeros('f32', [batch, heads, capacity, headDim]);
    this.keys = Array.from({ length: layers }, buffer);
    this.values = Array.from({ length: layers }, buffer);
    this.mask = HostTensor.zeros('bool', [batch, capacity + 1]);
    for (let b = 0; b < batch; b++) this.mask.data[b * (capacity + 1) + capacity] = 1;
  }

  get length(): number {
    return this.filled;
  }

  /** The position of the next token of row b: its virtual and real tokens so far. */
  nextPosition(row: number): number {
    return this.filled - this.pads[row];
  }

  /**
   * Appends T positions: `kv` holds each layer's keys then values, [N, Hkv, T, D] each (a
   * prefill's T = prompt length, a decode step's T = 1), as the programs output them. Row b of the
   * cache takes row `rowOf[b]` of `kv` (a prefill run once per different prompt), row b without it.
   */
  append(kv: readonly HostTensor[], rowOf?: readonly number[]): void {
    const { layers, batch, capacity } = this.shape;
    const [sources, , t] = kv[0].shape;
    if (this.filled + t > capacity) throw new Error(`kv cache: ${this.filled} + ${t} positions exceed its ${capacity} slots`);
    const from = rowOf ?? Array.from({ length: batch }, (_, b) => b);
    if (from.length !== batch || from.some((r) => !(r >= 0 && r < sources))) {
      throw new Error(`kv cache: ${batch} rows cannot be taken from rows [${from.join(', ')}] of ${sources}`);
    }
    for (let layer = 0; layer < layers; layer++) {
      this.copyIn(this.keys[layer].data, kv[2 * layer].toFloat32(), t, from);
      this.copyIn(this.values[layer].data, kv[2 * layer + 1].toFloat32(), t, from);
    }
    for (let b = 0; b < batch; b++) {
      const row = b * (capacity + 1);
      const [padStart, padEnd] = [this.virtual, this.virtual + this.pads[b]];
      this.mask.data.fill(1, row + this.filled, row + Math.min(this.filled + t, padStart));
      this.mask.data.fill(1, row + Math.max(this.filled, padEnd), row + this.filled + t);
    }
    this.filled += t;
  }

  /**
   * A cache with more slots holding what this one holds, for the decode steps past its end. A
   * decode step's attention reads every slot, filled or not, so a generation starts with room for
   * its first steps and grows, rather than reading every slot `max_new_tokens` needs from the first.
   */
  grown(capacity: number): StaticKvCache {
    const { batch, heads, headDim, capacity: before } = this.shape;
    if (capacity < before) throw new Error(`kv cache: cannot shrink from ${before} to ${capacity} slots`);
    const next = new StaticKvCache({ ...this.shape, capacity }, this.pads, this.virtual);
    const run = this.filled * headDim;
    const copy = (src: Float32Array, dst: Float32Array) => {
      for (let bh = 0; bh < batch * heads; bh++) dst.set(src.subarray(bh * before * headDim, bh * before * headDim + run), bh * capacity * headDim);
    };
    this.keys.forEach((k, i) => copy(k.data, next.keys[i].data));
    this.values.forEach((v, i) => copy(v.data, next.values[i].data));
    for (let b = 0; b < batch; b++) next.mask.data.set(this.mask.data.subarray(b * (before + 1), b * (before + 1) + this.filled), b * (capacity + 1));
    next.filled = this.filled;
    return next;
  }

  private copyIn(dst: Float32Array, src: Float32Array, t: number, from: readonly number[]): void {
    const { batch, heads, capacity, headDim } = this.shape;
    const run = t * headDim;
    for (let b = 0; b < batch; b++) {
      for (let h = 0; h < heads; h++) {
        const source = from[b] * heads + h;
        dst.set(src.subarray(source * run, (source + 1) * run), ((b * heads + h) * capacity + this.filled) * headDim);
      }
    }
  }
}
