import { Tensor } from '@tunekit/core';
import type { GenerationConfig } from './generation-config.js';
import { argmax } from './sampler.js';

/** What a processor may know about the row whose logits it rewrites. */
export interface RowContext {
  /** Every distinct id in the row so far, prompt included. */
  readonly seen: ReadonlySet<number>;
}

/** Rewrites one row of next-token logits in place; -Infinity removes a token from the draw. */
export type LogitsProcessor = (logits: Float32Array, row: RowContext) => void;

/** transformers' RepetitionPenaltyLogitsProcessor: positive logits are divided, negative ones multiplied. */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  return (logits, { seen }) => {
    for (const id of seen) {
      const l = logits[id];
      logits[id] = l < 0 ? l * penalty : l / penalty;
    }
  };
}

export function temperature(t: number): LogitsProcessor {
  return (logits) => {
    for (let i = 0; i < logits.length; i++) logits[i] /= t;
  };
}

/**
 * The k-th largest value (1-based) by quickselect on a copy: O(V) per token, where sorting the
 * vocabulary would be O(V log V) for a threshold that needs one element.
 */
export function kthLargest(values: Float32Array, k: number, scratch = new Float32Array(values.length)): number {
  const a = scratch.length === values.length ? scratch : new Float32Array(values.length);
  a.set(values);
  const target = k - 1;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >>> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i++] = a[j];
        a[j--] = tmp;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  return a[target];
}

/** transformers' TopKLogitsWarper: tokens below the k-th largest logit go; ties with it stay. */
export function topK(k: number): LogitsProcessor {
  let scratch = new Float32Array(0);
  return (logits) => {
    if (k >= logits.length) return;
    if (scratch.length !== logits.length) scratch = new Float32Array(logits.length);
    const threshold = kthLargest(logits, k, scratch);
    for (let i = 0; i < logits.length; i++) if (logits[i] < threshold) logits[i] = -Infinity;
  };
}

/**
 * transformers' TopPLogitsWarper: a token stays while the probability of the tokens ranked above
 * it is below p, so the most likely token always stays. Only tokens still in the draw are sorted,
 * which after top-k is a few dozen.
 */
export function topP(p: number): LogitsProcessor {
  return (logits) => {
    const order: number[] = [];
    for (let i = 0; i < logits.length; i++) if (logits[i] > -Infinity) order.push(i);
    order.sort((x, y) => logits[y] - logits[x] || x - y);
    const max = logits[order[0]];
    const weights = order.map((i) => Math.exp(logits[i] - max));
    const total = weights.reduce((s, w) => s + w, 0);
    let above = 0;
    let kept = 0;
    while (kept < order.length && above < p * total) above += weights[kept++];
    for (let r = kept; r < order.length; r++) logits[order[r]] = -Infinity;
  };
}

/**
 * transformers' MinPLogitsWarper: a token stays while its probability is at least p times the
 * most likely token's, i.e. while its logit is at least the largest plus ln p; the most likely
 * token always stays.
 */
export function minP(p: number): LogitsProcessor {
  return (logits) => {
    const max = logits[argmax(logits)];
    for (let i = 0; i < logits.length; i++) if (Math.exp(logits[i] - max) < p) logits[i] = -Infinity;
  };
}

interface ProcessorRule {
  /** Warpers shape a distribution to sample from; greedy decoding skips them, as transformers does. */
  readonly samplingOnly: boolean;
  readonly active: (c: GenerationConfig) => boolean;
  readonly make: (c: GenerationConfig) => LogitsProcessor;
  /** The same rewrite of traced logits [B, V], where it needs nothing but the logits (not the row's history or a ranking). */
  readonly traced?: (c: GenerationConfig, logits: Tensor) => Tensor;
}

const TEMPERATURE: ProcessorRule = { samplingOnly: true, active: (c) => c.temperature !== 1, make: (c) => temperature(c.temperature), traced: (c, logits) => logits.div(c.temperature) };

/** In transformers' order: the repetition penalty, then the warpers temperature → top-k → top-p → min-p. */
const PIPELINE: readonly ProcessorRule[] = [
  { samplingOnly: false, active: (c) => c.repetitionPenalty !== 1, make: (c) => repetitionPenalty(c.repetitionPenalty) },
  TEMPERATURE,
  { samplingOnly: true, active: (c) => c.topK > 0, make: (c) => topK(c.topK) },
  { samplingOnly: true, active: (c) => c.topP < 1, make: (c) => topP(c.topP) },
  {
    samplingOnly: true,
    active: (c) => c.minP > 0,
    make: (c) => minP(c.minP),
    traced: (c, logits) => {
      const shifted = logits.sub(logits.max(-1, true));
      return Tensor.where(shifted.exp().lt(c.minP), Number.NEGATIVE_INFINITY, logits);
    },
  },
];

/** The processors a configuration turns on, in the order to apply them. */
export function logitsPipeline(config: GenerationConfig): LogitsProcessor[] {
  return PIPELINE.filter((r) => (config.doSample || !r.samplingOnly) && r.active(config)).map((r) => r.make(config));
}

/**
 * For sampling whose every active processor can be traced (temperature and min-p; temperature
 * alone is TRL's default for online RL): the probabilities softmax(processed logits) [B, V] as
 * traced tensors, for the decode program to compute itself, so the host draws from them with no
 * exp per token (at a 49k vocabulary and 8 rows, those exps were a tenth of a decode step). Null
 * where the host must process logits (greedy, a repetition penalty, top-k or top-p).
 */
export function tracedSampling(config: GenerationConfig): ((logits: Tensor) => Tensor) | null {
  if (!config.doSample) return null;
  const active = PIPELINE.filter((r) => r.active(config));
  if (!active.every((r) => r.traced)) return null;
  return (logits) => active.reduce((l, r) => r.traced!(config, l), logits).softmax(-1);
}

/** Whether sampling draws from softmax(logits / temperature) itself: no processor but the temperature is on. */
export function temperedOnly(config: GenerationConfig): boolean {
  return config.doSample && PIPELINE.every((r) => r === TEMPERATURE || !r.active(config));
}
