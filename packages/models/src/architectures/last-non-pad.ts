import { ShapeError, Tensor } from '@tunekit/core';

/**
 * Each row's last token that is not `padTokenId`, as i64 [B]: transformers' sequence-classification
 * pooling, which reads the ids rather than the attention mask so left and right padding both work.
 * It takes argmax(index · (id ≠ pad)); that product's largest value is the index itself, so a max
 * gives the same position, and 0 for a row of pads. Without a pad id only a single row can be
 * pooled (at its last token), as transformers requires too.
 */
export function lastNonPadToken(inputIds: Tensor, padTokenId: number | null): Tensor {
  const [batch, t] = inputIds.shape;
  if (padTokenId === null) {
    if (batch !== 1) throw new ShapeError('input_ids', '', `pooling ${batch} rows needs pad_token_id in config.json to find each row's last token`);
    return Tensor.fromValues([1], [t - 1], 'i64');
  }
  return Tensor.arange(t).mul(inputIds.ne(padTokenId).cast('i64')).max(1);
}
