import { type Batch, type HostTensor, Tensor } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { type SequenceLogps, sequenceLogps } from '../../common/sequence-logps.js';

/** The inputs of one group of rows of a batch (`''` the rows themselves, `kl_` KTO's mismatched rows). */
export interface RowInputs {
  readonly prefix: string;
  readonly ids: Tensor;
  readonly attentionMask: Tensor;
  /** f32 [N, T]: 1 on completion tokens. */
  readonly completionMask: Tensor;
}

const feed = (batch: Batch, name: string, task: string): Tensor => {
  const t: HostTensor | undefined = batch.tensors[name];
  if (!t) throw new Error(`${task} task: a batch needs ${name}, got [${Object.keys(batch.tensors).join(', ')}]`);
  return Tensor.input(name, t.shape, t.dtype);
};

/** The named inputs of a row group (input_ids, attention_mask, completion_mask under `prefix`). */
export function rowInputs(batch: Batch, prefix: string, task: string): RowInputs {
  return {
    prefix,
    ids: feed(batch, `${prefix}input_ids`, task),
    attentionMask: feed(batch, `${prefix}attention_mask`, task),
    completionMask: feed(batch, `${prefix}completion_mask`, task),
  };
}

/** A fed [N] vector of the batch (labels, precomputed reference log-probs). */
export const vectorInput = (batch: Batch, name: string, task: string): Tensor => feed(batch, name, task);

/** One forward of `model` over the rows, and the completions' log-probs under it. */
export function forwardLogps(model: CausalLM, rows: RowInputs): { logits: Tensor; s: SequenceLogps } {
  const { logits } = model.forward(rows.ids, { attentionMask: rows.attentionMask });
  return { logits, s: sequenceLogps(logits, rows.ids, rows.completionMask) };
}
