import { HostTensor } from '@tunekit/core';
import type { Rollout } from './rollout.js';

/** Completion rows as the update reads them: prompt then completion, right-padded to one length. */
export interface RolloutRows {
  /** [N, L] i64. */
  readonly inputIds: HostTensor<'i64'>;
  /** [N, L] bool: true on real tokens. */
  readonly attentionMask: HostTensor<'bool'>;
  /** [N, L] f32: 1 on completion tokens whose log-prob counts. */
  readonly completionMask: HostTensor<'f32'>;
  /** Completion tokens that count, over all rows (TRL's num_items_in_batch). */
  readonly lossTokens: number;
}

/** Rollout rows are padded to a multiple of this, so nearby lengths share one compiled update. */
export const LENGTH_MULTIPLE = 16;

export const roundUp = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/**
 * Lays out each (prompt, completion) pair from position 0, padding on the right: positions and
 * attention then equal the generator's, which left-padded the prompts but numbered each from 0.
 * `maskTruncated` (TRL's `mask_truncated_completions`) drops completions that hit the length limit
 * from the loss. The length is rounded up to `multiple` so nearby rollouts share one program.
 */
export function rolloutRows(rollout: Rollout, opts: { maskTruncated: boolean; multiple: number }): RolloutRows {
  const n = rollout.promptIds.length;
  const longest = Math.max(...rollout.promptIds.map((p, i) => p.length + rollout.completionIds[i].length));
  const length = roundUp(longest, opts.multiple);
  const inputIds = HostTensor.i64([n, length], new Array<number>(n * length).fill(rollout.padTokenId));
  const attentionMask = HostTensor.zeros('bool', [n, length]);
  const completionMask = HostTensor.zeros('f32', [n, length]);
  let lossTokens = 0;
  rollout.promptIds.forEach((prompt, row) => {
    const completion = rollout.completionIds[row];
    const counts = !(opts.maskTruncated && rollout.truncated[row]);
    [...prompt, ...completion].forEach((id, t) => {
      const at = row * length + t;
      inputIds.data[at] = BigInt(id);
      attentionMask.data[at] = 1;
      if (t >= prompt.length && counts) completionMask.data[at] = 1;
    });
    if (counts) lossTokens += completion.length;
  });
  return { inputIds, attentionMask, completionMask, lossTokens };
}

/** Rows of a [N, ...] tensor (the generator's helper, re-exported for this folder's modules). */
export { takeRows } from '@tunekit/models';
