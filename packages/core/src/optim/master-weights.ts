import { type Storage, f32ToF16Bits, toFloat32 } from '../dtype.js';
import type { Parameter } from '../ir/parameter.js';

export type HalfDType = 'bf16' | 'f16';

export const isHalf = (dtype: string): dtype is HalfDType => dtype === 'bf16' || dtype === 'f16';

type Rounder = (src: Float32Array, srcBits: Uint32Array, dst: Uint16Array) => void;

/**
 * f32 -> half rounding loops (round to nearest even, identical to `fromFloat32`). bf16 is inlined on the raw
 * bits because it runs over every half-precision weight after every step; f16 storage is rare enough to reuse
 * the scalar helper.
 */
const ROUND_INTO: Record<HalfDType, Rounder> = {
  bf16: (_src, bits, dst) => {
    for (let i = 0; i < dst.length; i++) {
      const u = bits[i];
      dst[i] =
        (u & 0x7fffffff) > 0x7f800000 ? ((u >>> 16) | 0x40) & 0xffff : ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
    }
  },
  f16: (src, _bits, dst) => {
    for (let i = 0; i < dst.length; i++) dst[i] = f32ToF16Bits(src[i]);
  },
};

/**
 * f32 master weights of a parameter stored in bf16/f16. Rounding each update straight into 8 (bf16) or 11 (f16)
 * mantissa bits would swallow every update below half an ulp (a 1e-5 step on a weight near 1 vanishes in bf16),
 * so the optimizer updates this copy and writes the rounded values back into the parameter's storage, in place,
 * after each step. This deliberately differs from torch.optim on bf16 tensors (which updates in bf16) and matches
 * mixed-precision training with f32 master weights.
 *
 * The copy follows the parameter across `Parameter.assign` (a new storage array is detected by identity and
 * re-read unless it is exactly the rounding of the master, e.g. weights reloaded from the same checkpoint);
 * writing into the existing storage array behind the optimizer's back is not detected.
 */
export class MasterCopy {
  private readonly bits: Uint32Array;
  /** The storage array last written from (or reconciled with) `data`; null right after a checkpoint restore. */
  private source: Storage | null;

  private constructor(
    readonly dtype: HalfDType,
    readonly data: Float32Array,
    source: Storage | null,
  ) {
    this.bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    this.source = source;
  }

  static fromParameter(param: Parameter): MasterCopy {
    const dtype = halfDTypeOf(param);
    return new MasterCopy(dtype, toFloat32(dtype, param.value.data), param.value.data);
  }

  /** A master restored from a checkpoint; reconciled with the parameter's storage on the next `sync`. */
  static restore(param: Parameter, data: Float32Array): MasterCopy {
    return new MasterCopy(halfDTypeOf(param), data, null);
  }

  /** Makes sure `data` describes the parameter's current storage before an update. */
  sync(param: Parameter): void {
    const storage = param.value.data;
    if (storage === this.source) return;
    if (!this.roundsTo(storage as Uint16Array)) this.data.set(toFloat32(this.dtype, storage));
    this.source = storage;
  }

  writeBack(param: Parameter): void {
    const dst = param.value.data as Uint16Array;
    ROUND_INTO[this.dtype](this.data, this.bits, dst);
    this.source = dst;
  }

  private roundsTo(storage: Uint16Array): boolean {
    if (storage.length !== this.data.length) return false;
    const rounded = new Uint16Array(storage.length);
    ROUND_INTO[this.dtype](this.data, this.bits, rounded);
    for (let i = 0; i < rounded.length; i++) if (rounded[i] !== storage[i]) return false;
    return true;
  }
}

function halfDTypeOf(param: Parameter): HalfDType {
  const dtype = param.dtype;
  if (!isHalf(dtype)) throw new Error(`MasterCopy: parameter ${param.name || `#${param.id}`} is ${dtype}, not bf16/f16`);
  return dtype;
}
