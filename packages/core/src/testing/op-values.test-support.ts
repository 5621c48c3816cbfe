/**
 * Plain-loop helpers for the executor op suite: deterministic data and a tiny numpy-style
 * broadcasting evaluator, so expected values are computed independently of any executor.
 */
import type { DType } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { contiguousStrides } from '../executors/reference/reference.values.js';

/** Values as doubles, with their shape. */
export interface Nd {
  shape: number[];
  data: number[];
}

export const nd = (h: HostTensor): Nd => ({
  shape: [...h.shape],
  data: isIntDType(h.dtype) ? Array.from(h.data, Number) : Array.from(h.toFloat32()),
});

let seed = 0x2545f491;
/** mulberry32: reproducible across runs, independent of the engine's Rng. */
function uniform(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const count = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

export const rand = (shape: number[], lo = -2, hi = 2): HostTensor =>
  HostTensor.f32(shape, Array.from({ length: count(shape) }, () => lo + (hi - lo) * uniform()));
export const f32 = (shape: number[], values: number[]): HostTensor => HostTensor.f32(shape, values);
export const i64 = (shape: number[], values: number[]): HostTensor => HostTensor.i64(shape, values);
export const i32 = (shape: number[], values: number[]): HostTensor => new HostTensor('i32', shape, Int32Array.from(values));
export const u8 = (shape: number[], values: number[]): HostTensor => new HostTensor('u8', shape, Uint8Array.from(values));
export const i8 = (shape: number[], values: number[]): HostTensor => new HostTensor('i8', shape, Int8Array.from(values));
export const bools = (shape: number[], values: number[]): HostTensor => new HostTensor('bool', shape, Uint8Array.from(values));

/** Row-major strides: the reference executor's own. */
export const strides = contiguousStrides;

export function unravel(flat: number, shape: readonly number[]): number[] {
  return strides(shape).map((s, k) => Math.floor(flat / s) % shape[k]);
}

/** x at a (right-aligned, broadcast) index of a larger shape. */
export function at(x: Nd, idx: readonly number[]): number {
  const off = idx.length - x.shape.length;
  const s = strides(x.shape);
  let flat = 0;
  x.shape.forEach((d, k) => (flat += (d === 1 ? 0 : idx[off + k]) * s[k]));
  return x.data[flat];
}

/** Elementwise f over broadcast inputs. */
export function map(outShape: readonly number[], xs: readonly Nd[], f: (...v: number[]) => number): number[] {
  return Array.from({ length: count(outShape) }, (_, i) => {
    const idx = unravel(i, outShape);
    return f(...xs.map((x) => at(x, idx)));
  });
}

/** Folds `axes` of x (all when empty), keeping the others in order. */
export function reduce(x: Nd, axes: readonly number[], init: number, f: (acc: number, v: number) => number): number[] {
  const red = axes.length ? axes : x.shape.map((_, k) => k);
  const keptShape = x.shape.filter((_, k) => !red.includes(k));
  const out = new Array<number>(count(keptShape)).fill(init);
  x.data.forEach((v, i) => {
    const idx = unravel(i, x.shape).filter((_, k) => !red.includes(k));
    const o = idx.reduce((acc, d, k) => acc * keptShape[k] + d, 0);
    out[o] = f(out[o], v);
  });
  return out;
}

/** Gauss error function by its Maclaurin series (exact to ~1e-14 for |x| < 3). */
export function erf(x: number): number {
  if (Math.abs(x) >= 3.5) return Math.sign(x) * (1 - 1e-7);
  let term = x;
  let sum = x;
  for (let n = 1; n < 80; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Softmax of one row of numbers. */
export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function isIntDType(d: DType): boolean {
  return d === 'i64' || d === 'i32' || d === 'u8' || d === 'i8' || d === 'bool';
}

/** Largest |a - b| / (1 + |b|) (relative for large values, absolute near zero). */
export function maxError(got: readonly number[], want: readonly number[]): number {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    worst = Math.max(worst, Number.isNaN(e) ? Infinity : e);
  }
  return worst;
}
