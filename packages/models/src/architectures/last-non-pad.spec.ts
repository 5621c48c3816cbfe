import { ReferenceExecutor, Tensor } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { lastNonPadToken } from './last-non-pad.js';

const run = async (rows: number[][], pad: number | null) => {
  const ids = Tensor.fromValues([rows.length, rows[0].length], rows.flat(), 'i64');
  const [out] = await new ReferenceExecutor().compile([lastNonPadToken(ids, pad)]).run({});
  return Array.from(out.data as BigInt64Array, Number);
};

describe('lastNonPadToken (transformers sequence-classification pooling)', () => {
  it('finds the rightmost non-pad id with left padding, right padding, a pad id inside a row, and none at all', async () => {
    expect(await run([[0, 0, 5, 6], [5, 6, 7, 0], [5, 0, 7, 0], [0, 0, 0, 0], [9, 0, 0, 0]], 0)).toEqual([3, 2, 2, 0, 0]);
  });

  it('takes the last token of a single row without a pad id, and refuses a batch', async () => {
    expect(await run([[4, 5, 6]], null)).toEqual([2]);
    await expect(run([[4, 5], [6, 7]], null)).rejects.toThrow(/needs pad_token_id/);
  });
});
