import { HostTensor } from '@tunekit/core';

/** A batch's prompts with repeats folded: what the prefill needs to run on. */
export interface DistinctPrompts {
  /** Each different prompt once, in order of first appearance. */
  readonly distinct: readonly (readonly number[])[];
  /** For every row of the batch, its prompt's index in `distinct`. */
  readonly rowOf: readonly number[];
}

/**
 * Folds repeated prompts (an online RL rollout samples `num_generations` completions of each):
 * the prefill then runs once per different prompt, and its keys, values and logits are copied to
 * every row that repeats it, since a row's prefill depends on nothing but its own prompt.
 */
export function distinctPrompts(prompts: readonly (readonly number[])[]): DistinctPrompts {
  const index = new Map<string, number>();
  const distinct: (readonly number[])[] = [];
  const rowOf = prompts.map((p) => {
    const key = p.join(',');
    let at = index.get(key);
    if (at === undefined) {
      at = distinct.push(p) - 1;
      index.set(key, at);
    }
    return at;
  });
  return { distinct, rowOf };
}

/** Rows `rows` of a [N, ...] tensor, in that order (a row may be taken several times). */
export function takeRows<T extends HostTensor>(t: T, rows: readonly number[]): T {
  const width = t.size / t.shape[0];
  const out = HostTensor.zeros(t.dtype, [rows.length, ...t.shape.slice(1)]);
  const src = t.data as unknown as { subarray(a: number, b: number): ArrayLike<number> };
  const dst = out.data as unknown as { set(a: ArrayLike<number>, at: number): void };
  rows.forEach((r, i) => dst.set(src.subarray(r * width, (r + 1) * width), i * width));
  return out as T;
}
