import { type DType, fromFloat32, isFloat } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { grad } from '../autodiff/grad.js';
import type { Executor } from '../executors/executor.interface.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { Parameter } from '../ir/parameter.js';
import { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';

/** One input of an op under test. Float inputs are differentiated unless `grad: false`. */
export interface OpInput {
  shape: number[];
  dtype?: DType;
  /** Fixed values; otherwise uniform in [low, high) (floats) or [0, high) (ints). */
  values?: number[];
  low?: number;
  high?: number;
  grad?: boolean;
  /** Enter the graph as a named run-time input (fed to every run) instead of a constant. */
  feed?: boolean;
}

export interface CheckOpOptions {
  /** The executor compared with the reference (ORT in the op suite). */
  executor: Executor;
  seed?: number;
  /** Central-difference step in float64. */
  step?: number;
  /** Gradient tolerance: |analytic - numeric| ≤ atol + rtol·|numeric|. */
  gradAtol?: number;
  gradRtol?: number;
  /** Executor-vs-reference tolerance (both in f32). */
  parityAtol?: number;
  parityRtol?: number;
}

export interface CheckOpReport {
  forwardMaxError: number;
  gradMaxError: number;
  gradParityMaxError: number;
  checkedGradients: number;
}

function values(spec: OpInput, rng: Rng): number[] {
  if (spec.values) return spec.values;
  const n = spec.shape.reduce((p, d) => p * d, 1);
  const dtype = spec.dtype ?? 'f32';
  if (dtype === 'bool') return Array.from({ length: n }, () => (rng.uniform() < 0.5 ? 1 : 0));
  if (!isFloat(dtype)) return Array.from({ length: n }, () => rng.int(spec.high ?? 4));
  const [lo, hi] = [spec.low ?? -1, spec.high ?? 1];
  return Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());
}

function constant(spec: OpInput, v: number[]): Tensor {
  const dtype = spec.dtype ?? 'f32';
  return Tensor.constant(new HostTensor(dtype, spec.shape, fromFloat32(dtype, v)));
}

function compare(what: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): number {
  if (got.length !== want.length) throw new Error(`${what}: ${got.length} values, expected ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const ok = err <= atol + rtol * Math.abs(want[i]) || (Number.isNaN(got[i]) && Number.isNaN(want[i]));
    if (!ok) throw new Error(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (error ${err.toExponential(2)})`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/**
 * The one check every op passes: (1) forward values of `executor` match the reference executor;
 * (2) gradients from the autodiff rules, run in float64 on the reference executor, match central
 * finite differences of the forward; (3) gradients from `executor` match the reference's.
 * Non-scalar outputs are reduced by a fixed random weighting so every output element matters.
 */
export async function checkOp(
  name: string,
  fn: (...xs: Tensor[]) => Tensor,
  inputs: OpInput[],
  opts: CheckOpOptions,
): Promise<CheckOpReport> {
  const rng = new Rng(opts.seed ?? 1234);
  const params: Parameter[] = [];
  const feeds: Record<string, HostTensor> = {};
  const tensors = inputs.map((spec, k) => {
    const v = values(spec, rng);
    const dtype = spec.dtype ?? 'f32';
    if (spec.feed) {
      const inputName = `${name}.x${k}`;
      feeds[inputName] = (constant(spec, v).node.attrs as { value: HostTensor }).value;
      return Tensor.input(inputName, spec.shape, dtype);
    }
    if (dtype === 'f32' && spec.grad !== false) {
      const p = Parameter.fromValues(spec.shape, v);
      p.name = `${name}.input${params.length}`;
      params.push(p);
      return Tensor.param(p);
    }
    return constant(spec, v);
  });

  const out = fn(...tensors);
  const f32Ref = new ReferenceExecutor({ precision: 'f32' });
  const [want] = await f32Ref.compile([out]).run(feeds);
  const [got] = await opts.executor.compile([out]).run(feeds);
  if (got.dtype !== want.dtype || got.shape.join() !== want.shape.join()) {
    throw new Error(`${name}: ${opts.executor.name} gave ${got.dtype}[${got.shape}], reference ${want.dtype}[${want.shape}]`);
  }
  const forwardMaxError = compare(`${name} forward (${opts.executor.name} vs reference)`, got.toFloat32(), want.toFloat32(), opts.parityAtol ?? 1e-5, opts.parityRtol ?? 1e-4);

  const report = { forwardMaxError, gradMaxError: 0, gradParityMaxError: 0, checkedGradients: 0 };
  if (!isFloat(out.dtype) || params.length === 0) return report;

  const weights = Tensor.constant(HostTensor.f32([...out.shape], values({ shape: [...out.shape] }, rng)));
  const loss = out.mul(weights).sum();
  const grads = grad(loss, params);

  // Analytic gradients in float64 vs central differences in float64.
  const f64 = new ReferenceExecutor({ precision: 'f64' }).compile([loss, ...grads]);
  const lossOnly = new ReferenceExecutor({ precision: 'f64' }).compile([loss]);
  const analytic = f64.runValues(feeds);
  const base = new Map(params.map((p) => [p, Float64Array.from(p.value.toFloat32())]));
  const h = opts.step ?? 1e-6;
  params.forEach((p, k) => {
    const numeric = new Float64Array(p.size);
    const x = base.get(p)!;
    for (let i = 0; i < p.size; i++) {
      const orig = x[i];
      x[i] = orig + h;
      const up = lossOnly.runValues(feeds, { paramOverrides: base })[0].data[0];
      x[i] = orig - h;
      const down = lossOnly.runValues(feeds, { paramOverrides: base })[0].data[0];
      x[i] = orig;
      numeric[i] = (up - down) / (2 * h);
    }
    const err = compare(`${name} gradient of input ${k} (rules vs finite differences)`, analytic[k + 1].data, numeric, opts.gradAtol ?? 1e-6, opts.gradRtol ?? 1e-5);
    report.gradMaxError = Math.max(report.gradMaxError, err);
    report.checkedGradients += p.size;
  });

  // The executor runs the same backward graph in f32: compare with the f32 reference.
  const refGrads = await f32Ref.compile(grads).run(feeds);
  const exeGrads = await opts.executor.compile(grads).run(feeds);
  exeGrads.forEach((g, k) => {
    const err = compare(`${name} gradient of input ${k} (${opts.executor.name} vs reference)`, g.toFloat32(), refGrads[k].toFloat32(), opts.parityAtol ?? 1e-5, opts.parityRtol ?? 1e-4);
    report.gradParityMaxError = Math.max(report.gradParityMaxError, err);
  });
  return report;
}
