import { HostTensor } from '@tunekit/core';

/** A batch of prompts right-aligned in one [B, P] block, as decoder-only generation needs. */
export interface LeftPadded {
  /** Padded prompt length P. */
  readonly length: number;
  /** Pad tokens before each row's prompt. */
  readonly pads: readonly number[];
  readonly inputIds: HostTensor<'i64'>;
  /** Each real token's position within its own prompt; pads get 0, which is in range for learned positions. */
  readonly positionIds: HostTensor<'i64'>;
  /** true on real tokens. */
  readonly attentionMask: HostTensor<'bool'>;
}

export const roundUp = (n: number, multiple: number): number => Math.ceil(n / multiple) * multiple;

/**
 * Left-pads so every row's last prompt token sits in the last column: the next token of every
 * row then comes from the same position, and decoding appends in lockstep. P is rounded up to a
 * multiple so prompts of nearby lengths share one compiled prefill program.
 */
export function leftPad(prompts: readonly (readonly number[])[], padId: number, multiple: number): LeftPadded {
  const length = roundUp(Math.max(...prompts.map((p) => p.length)), multiple);
  const batch = prompts.length;
  const inputIds = HostTensor.i64([batch, length], new Array<number>(batch * length).fill(padId));
  const positionIds = HostTensor.i64([batch, length], new Array<number>(batch * length).fill(0));
  const attentionMask = HostTensor.zeros('bool', [batch, length]);
  const pads = prompts.map((prompt, b) => {
    const pad = length - prompt.length;
    prompt.forEach((id, i) => {
      const at = b * length + pad + i;
      inputIds.data[at] = BigInt(id);
      positionIds.data[at] = BigInt(i);
      attentionMask.data[at] = 1;
    });
    return pad;
  });
  return { length, pads, inputIds, positionIds, attentionMask };
}
