/**
 * bitsandbytes' quantization code tables and its exact per-value rounding rules.
 *
 * Sources (bitsandbytes-foundation/bitsandbytes):
 * - `bitsandbytes/functional.py`: `get_4bit_type('nf4' | 'fp4')`, `create_dynamic_map(signed=True)`.
 * - `csrc/kernels.cu`: `dQuantizeNF4`, `dDequantizeNF4`, `dQuantizeFP4`, `dDequantizeFP4Tree`,
 *   `dQuantize<0>` (the 8-bit map search used by `quantize_blockwise`).
 *
 * All arithmetic mirrors the kernels' float32 arithmetic through `Math.fround`.
 */

const f32 = Math.fround;

export type QuantType4Bit = 'nf4' | 'fp4';

/**
 * NF4 levels, index = 4-bit code (`get_4bit_type('nf4')`, identical to the kernel's
 * `dDequantizeNF4` tree / `nf4_dequantization_lut`). Stored as float32 like the kernel literals.
 */
export const NF4_CODE: Float32Array = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]);

/**
 * The decision thresholds of `dQuantizeNF4` (float literals in the kernel), ascending; threshold `k`
 * separates code `k` from code `k + 1`. A value exactly on a threshold gets the LOWER code
 * (the kernel tests `x > t`).
 */
export const NF4_THRESHOLDS: Float32Array = Float32Array.from([
  -0.8480964004993439, -0.6106329262256622, -0.4599952697753906, -0.33967943489551544,
  -0.23460740596055984, -0.13791173323988914, -0.045525018125772476, 0.03979014977812767,
  0.1202552504837513, 0.2035212516784668, 0.2920137718319893, 0.3893125355243683,
  0.5016634166240692, 0.6427869200706482, 0.8614784181118011,
]);

/**
 * FP4 values before normalisation, index = 4-bit code, exactly the list in `get_4bit_type('fp4')`:
 * bit 3 is the sign, bits 2..0 an E2M1 code with bias 3 (0b000 = 0, 0b001 = 0.0625 subnormal,
 * 0b010 = 8, 0b011 = 12, 0b100 = 4, 0b101 = 6, 0b110 = 2, 0b111 = 3).
 */
export const FP4_RAW: readonly number[] = [
  0, 0.0625, 8.0, 12.0, 4.0, 6.0, 2.0, 3.0, -0, -0.0625, -8.0, -12.0, -4.0, -6.0, -2.0, -3.0,
];

/** `get_4bit_type('fp4')`: `FP4_RAW / max|FP4_RAW|` (= /12) in float32, index = 4-bit code. */
export const FP4_CODE: Float32Array = Float32Array.from(FP4_RAW, (v) => f32(f32(v) / 12));

/**
 * The kernel's FP4 magnitudes (`dDequantizeFP4Tree`, `fp4_dequantization_lut`), index = code & 0b111.
 * Dequantization uses these literals; they equal `FP4_CODE[0..7]` in float32.
 */
export const FP4_DEQUANT_LUT: Float32Array = Float32Array.from([
  0.0, 5.208333333e-3, 0.66666667, 1.0, 0.33333333, 0.5, 0.16666667, 0.25,
]);

/** Literal thresholds of `dQuantizeFP4` on |x| (float32), see `quantizeFp4Value`. */
export const FP4_THRESHOLDS = {
  t0: f32(0.00260417), // 0 | 1/192
  t1: f32(0.0859375), // 1/192 | 1/6
  t2: f32(0.20833333), // 1/6 | 1/4
  t3: f32(0.29166667), // 1/4 | 1/3
  t4: f32(0.4166667), // 1/3 | 1/2
  t5: f32(0.583333), // 1/2 | 2/3
  t6: f32(0.8333333), // 2/3 | 1
} as const;

/** `dQuantizeNF4`: the kernel's 4-level decision tree on the block-normalised value. */
export function quantizeNf4Value(x: number): number {
  const t = NF4_THRESHOLDS;
  if (x > t[7]!) {
    if (x > t[11]!) {
      if (x > t[13]!) return x > t[14]! ? 0b1111 : 0b1110;
      return x > t[12]! ? 0b1101 : 0b1100;
    }
    if (x > t[9]!) return x > t[10]! ? 0b1011 : 0b1010;
    return x > t[8]! ? 0b1001 : 0b1000;
  }
  if (x > t[3]!) {
    if (x > t[5]!) return x > t[6]! ? 0b0111 : 0b0110;
    return x > t[4]! ? 0b0101 : 0b0100;
  }
  if (x > t[1]!) return x > t[2]! ? 0b0011 : 0b0010;
  return x > t[0]! ? 0b0001 : 0b0000;
}

/**
 * `dQuantizeFP4`: sign bit from `x < 0` (so -0 and NaN get sign 0), then a tree on |x|.
 * Exactly-on-threshold values get the smaller magnitude.
 */
export function quantizeFp4Value(x: number): number {
  const sign = x < 0 ? 0b1000 : 0;
  const a = Math.abs(x);
  const t = FP4_THRESHOLDS;
  if (a > t.t3) {
    if (a > t.t5) return (a > t.t6 ? 0b0011 : 0b0010) + sign;
    return (a > t.t4 ? 0b0101 : 0b0100) + sign;
  }
  if (a > t.t1) return (a > t.t2 ? 0b0111 : 0b0110) + sign;
  return (a > t.t0 ? 0b0001 : 0b0000) + sign;
}

/** `dDequantizeNF4` (unscaled level). */
export function dequantizeNf4Value(code: number): number {
  return NF4_CODE[code & 0x0f]!;
}

/** `dDequantizeFP4Tree` (unscaled level): magnitude LUT times the sign bit. */
export function dequantizeFp4Value(code: number): number {
  const mag = FP4_DEQUANT_LUT[code & 0b111]!;
  return (code & 0b1000) !== 0 ? -mag : mag;
}

/** float32 `torch.linspace(start, end, steps)` the way ATen's CPU kernel computes it. */
function linspaceF32(start: number, end: number, steps: number): number[] {
  const s = f32(start);
  const e = f32(end);
  if (steps === 1) return [s];
  const step = f32(f32(e - s) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    out.push(i < halfway ? f32(s + f32(step * i)) : f32(e - f32(step * (steps - i - 1))));
  }
  return out;
}

/**
 * `create_dynamic_map(signed, max_exponent_bits=7, total_bits=8)` in float32: for each exponent
 * `i`, the midpoints of `linspace(0.1, 1, fraction_items)` scaled by `10^(i-6)` (and negated when
 * signed), plus 0 and 1.0, sorted. 256 entries.
 */
export function createDynamicMap(signed = true, maxExponentBits = 7, totalBits = 8): Float32Array {
  const data: number[] = [];
  const nonSignBits = totalBits - 1;
  const additionalItems = 2 ** (nonSignBits - maxExponentBits) - 1;
  const pushMeans = (items: number, i: number): void => {
    const b = linspaceF32(0.1, 1, items);
    const scale = f32(10 ** (-(maxExponentBits - 1) + i));
    for (let k = 0; k + 1 < b.length; k++) {
      const mean = f32(f32(b[k]! + b[k + 1]!) / 2);
      data.push(f32(scale * mean));
    }
    if (signed) {
      for (let k = 0; k + 1 < b.length; k++) {
        const mean = f32(f32(b[k]! + b[k + 1]!) / 2);
        data.push(f32(-scale * mean));
      }
    }
  };
  let i = 0;
  for (i = 0; i < maxExponentBits; i++) {
    const fractionItems = signed
      ? 2 ** (i + nonSignBits - maxExponentBits) + 1
      : 2 ** (i + nonSignBits - maxExponentBits + 1) + 1;
    pushMeans(fractionItems, i);
  }
  if (additionalItems > 0) pushMeans(additionalItems + 1, i - 1);
  data.push(0, 1.0);
  if (data.length !== 2 ** totalBits) {
    throw new Error(`createDynamicMap: expected ${2 ** totalBits} values, built ${data.length}`);
  }
  while (data.length < 256) data.push(0);
  return Float32Array.from(data.sort((a, b) => a - b));
}

/** The signed 8-bit dynamic map bitsandbytes uses for double quantization (`quantize_blockwise`). */
export const DYNAMIC_MAP_SIGNED: Float32Array = createDynamicMap(true);

/**
 * `dQuantize<STOCHASTIC=0>`: 7-step binary search over a sorted 256-entry map, then a midpoint test
 * between the final pivot and the neighbour on the side of `x`. An input exactly at a midpoint goes
 * to the search's final pivot (`x > mid` / `x < mid` are strict), which may be either neighbour.
 */
export function quantizeToMap(code: Float32Array, x: number): number {
  let pivot = 127;
  let upperPivot = 255;
  let lowerPivot = 0;
  let lower = -1.0;
  let upper = 1.0;
  let val = code[pivot]!;
  for (let i = 64; i > 0; i >>= 1) {
    if (x > val) {
      lowerPivot = pivot;
      lower = val;
      pivot += i;
    } else {
      upperPivot = pivot;
      upper = val;
      pivot -= i;
    }
    val = code[pivot]!;
  }
  if (upperPivot === 255) upper = code[upperPivot]!;
  if (lowerPivot === 0) lower = code[lowerPivot]!;
  if (x > val) {
    const midpoint = f32(f32(upper + val) * 0.5);
    return x > midpoint ? upperPivot : pivot;
  }
  const midpoint = f32(f32(lower + val) * 0.5);
  return x < midpoint ? lowerPivot : pivot;
}
