import { describe, expect, it } from 'vitest';
import { permuteHeads, regroupQkv, sliceRows, transpose2d } from './tensor-transforms.js';

describe('llama.cpp tensor layouts', () => {
  it('interleaves the two rotary halves of each head (convert_hf_to_gguf permute)', () => {
    // 2 heads of 4 rows, 1 column: head rows [a0 a1 b0 b1] become [a0 b0 a1 b1].
    const rows = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
    expect([...permuteHeads(rows, 8, 1, 2)]).toEqual([0, 2, 1, 3, 10, 12, 11, 13]);
    const wide = Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]);
    expect([...permuteHeads(wide, 4, 2, 1)]).toEqual([0, 0.5, 2, 2.5, 1, 1.5, 3, 3.5]);
  });
  it('transposes GPT-2 Conv1D weights to [out, in]', () => {
    expect([...transpose2d(Float32Array.from([1, 2, 3, 4, 5, 6]), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6]);
  });
  it("regroups GPT-NeoX's per-head [q, k, v] rows as [all q, all k, all v]", () => {
    // 2 heads of 1 row each: rows q0 k0 v0 q1 k1 v1 → q0 q1 k0 k1 v0 v1.
    expect([...regroupQkv(Float32Array.from([0, 1, 2, 10, 11, 12]), 6, 1, 2)]).toEqual([0, 10, 1, 11, 2, 12]);
  });
  it('cuts one half of the rows out of every matrix of a stacked [E, 2I, H] tensor', () => {
    // 2 experts of [4 rows, 1 col]: the gate is the first 2 rows of each, the up projection the last 2.
    const stacked = Float32Array.from([0, 1, 2, 3, 10, 11, 12, 13]);
    expect(sliceRows(stacked, [2, 4, 1], 0, 2)).toEqual({ data: Float32Array.from([0, 1, 10, 11]), shape: [2, 2, 1] });
    expect(sliceRows(stacked, [2, 4, 1], 1, 2)).toEqual({ data: Float32Array.from([2, 3, 12, 13]), shape: [2, 2, 1] });
  });
});
