import { clipDetail, showValue } from '@tunekit/core';
/**
 * A checkpoint folder that does not match its model: missing, unexpected or misshapen tensors,
 * unreadable JSON, inconsistent shard index. The message starts with the file (and the tensor).
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  constructor(
    readonly file: string,
    readonly tensor: string | null,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${tensor === null ? '' : `tensor ${showValue(tensor)}: `}${clipDetail(detail)}`, options);
  }
}
