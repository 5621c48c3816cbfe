import { describe, expect, it } from 'vitest';
import { permuteHeads, transpose2d } from './tensor-transforms.js';

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
});
