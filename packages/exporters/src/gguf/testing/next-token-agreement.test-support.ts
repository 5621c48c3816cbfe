import { type LoadedGguf, llamaNextProbs } from './llama-cpp.test-support.js';

/**
 * What a model predicts after each position of each sequence: its top-1 token and the log-probability
 * it gives the token that follows. Positions run from the first token to the one before the last.
 */
export interface NextTokenScores {
  readonly top1: readonly (readonly number[])[];
  readonly logProb: readonly (readonly number[])[];
}

/** Scores from logits ([T][V] per sequence, as `tunekitLogits` gives them). */
export function scoresOfLogits(seqs: readonly (readonly number[])[], logits: readonly (readonly Float32Array[])[]): NextTokenScores {
  const next = (s: readonly number[]) => s.slice(1).map((_, t) => t);
  return {
    top1: seqs.map((s, k) => next(s).map((t) => argmax(logits[k]![t]!))),
    logProb: seqs.map((s, k) => next(s).map((t) => logSoftmaxAt(logits[k]![t]!, s[t + 1]!))),
  };
}

/** Scores from llama.cpp's next-token distributions, one sequence at a time. */
export async function llamaCppScores(g: LoadedGguf, seqs: readonly (readonly number[])[]): Promise<NextTokenScores> {
  const top1: number[][] = [];
  const logProb: number[][] = [];
  for (const s of seqs) {
    const probs = (await llamaNextProbs(g, s)).slice(0, -1);
    top1.push(probs.map(mostLikely));
    logProb.push(probs.map((p, t) => Math.log(p.get(s[t + 1]!) ?? 0)));
  }
  return { top1, logProb };
}

export interface Agreement {
  readonly sequences: number;
  readonly positions: number;
  /** The share of positions whose top-1 token is the reference's. */
  readonly agreement: number;
  /** Perplexity on the sequences' own next tokens, over the reference's. */
  readonly pplRatio: number;
}

/** `other` against the reference `ref`, over every position of the same sequences. */
export function agreementWith(ref: NextTokenScores, other: NextTokenScores): Agreement {
  let positions = 0;
  let agree = 0;
  let nllDiff = 0;
  for (let k = 0; k < ref.top1.length; k++) {
    for (const [t, top] of ref.top1[k]!.entries()) {
      positions++;
      if (other.top1[k]![t] === top) agree++;
      nllDiff += ref.logProb[k]![t]! - other.logProb[k]![t]!;
    }
  }
  return { sequences: ref.top1.length, positions, agreement: agree / positions, pplRatio: Math.exp(nllDiff / positions) };
}

/** Perplexity of the scored model on the sequences' own next tokens. */
export function perplexity(scores: NextTokenScores): number {
  const all = scores.logProb.flat();
  return Math.exp(-all.reduce((a, b) => a + b, 0) / all.length);
}

const argmax = (x: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
};

function logSoftmaxAt(x: Float32Array, i: number): number {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return x[i]! - max - Math.log(sum);
}

/** The most likely token of a next-token distribution (the first of the highest, by token id order on a tie). */
function mostLikely(probs: ReadonlyMap<number, number>): number {
  let best = -1;
  let bestP = -1;
  for (const [id, p] of probs) if (p > bestP || (p === bestP && id < best)) (best = id), (bestP = p);
  return best;
}
