import type { Parameter } from '../ir/parameter.js';

/** Reductions for norm types with a cheaper form than the generic `(sum |g|^p)^(1/p)`. */
interface NormReducer {
  init: number;
  /** Folds one grad array into the accumulator (f64). */
  fold: (acc: number, g: Float32Array) => number;
  finish: (acc: number) => number;
}

const SPECIAL_NORMS: ReadonlyMap<number, NormReducer> = new Map([
  [
    2,
    {
      init: 0,
      fold: (acc, g) => {
        for (let i = 0; i < g.length; i++) acc += g[i] * g[i];
        return acc;
      },
      finish: Math.sqrt,
    },
  ],
  [
    1,
    {
      init: 0,
      fold: (acc, g) => {
        for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]);
        return acc;
      },
      finish: (acc) => acc,
    },
  ],
  [
    Infinity,
    {
      init: 0,
      // A NaN grad must stick (torch's max propagates NaN): once acc is NaN neither test below replaces it.
      fold: (acc, g) => {
        for (let i = 0; i < g.length; i++) {
          const a = Math.abs(g[i]);
          if (a > acc || a !== a) acc = a;
        }
        return acc;
      },
      finish: (acc) => acc,
    },
  ],
]);

function pNorm(p: number): NormReducer {
  if (!(p > 0)) throw new Error(`clipGradNorm: unsupported norm type ${p}`);
  return {
    init: 0,
    fold: (acc, g) => {
      for (let i = 0; i < g.length; i++) acc += Math.abs(g[i]) ** p;
      return acc;
    },
    finish: (acc) => acc ** (1 / p),
  };
}

const gradsOf = (params: Iterable<Parameter>): Float32Array[] =>
  [...params].flatMap((p) => (p.grad === null ? [] : [p.grad]));

/** The norm of all grads taken together (as one concatenated vector), accumulated in f64; 0 without grads. */
export function gradNorm(params: Iterable<Parameter>, normType = 2): number {
  const reducer = SPECIAL_NORMS.get(normType) ?? pNorm(normType);
  let acc = reducer.init;
  for (const g of gradsOf(params)) acc = reducer.fold(acc, g);
  return reducer.finish(acc);
}

/**
 * torch.nn.utils.clip_grad_norm_: scales every grad by `maxNorm / (total + 1e-6)` when that is below 1 and
 * returns the total norm measured before clipping (what HF logs as `grad_norm`). Parameters with null grads are
 * ignored. A non-finite total is returned without touching the grads (torch would multiply them by NaN or 0),
 * so the caller can skip the step, or pass `errorIfNonfinite` to throw like torch's `error_if_nonfinite=True`.
 */
export function clipGradNorm(params: Iterable<Parameter>, maxNorm: number, normType = 2, errorIfNonfinite = false): number {
  const list = [...params];
  const total = gradNorm(list, normType);
  if (!Number.isFinite(total)) {
    if (errorIfNonfinite) throw new Error(`clipGradNorm: the total norm of order ${normType} of the gradients is non-finite (${total})`);
    return total;
  }
  const coef = maxNorm / (total + 1e-6);
  if (coef < 1) {
    for (const g of gradsOf(list)) for (let i = 0; i < g.length; i++) g[i] *= coef;
  }
  return total;
}
