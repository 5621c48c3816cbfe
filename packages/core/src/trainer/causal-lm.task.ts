import type { HostTensor } from '../host-tensor.js';
import type { Module } from '../nn/module.js';
import type { Rng } from '../random/rng.js';
import { Tensor } from '../tensor/tensor.js';
import type { Batch } from './data-source.interface.js';
import { collectModuleRngs } from './rng-registry.js';
import type { Task, TaskOutput } from './task.interface.js';

export interface CausalLmLossOptions {
  attentionMask?: Tensor;
  positionIds?: Tensor;
}

/** Any module with a causal-LM loss: `labels` aligned with what the model predicts, -100 ignored. */
export type CausalLmModel = Module & {
  loss(inputIds: Tensor, labels: Tensor, opts?: CausalLmLossOptions): Tensor;
  /** Optional: models without it reject `gradient_checkpointing: true`. */
  setGradientCheckpointing?(enabled: boolean): void;
};

/** Label value the cross-entropy ignores (HF and torch). */
export const IGNORE_INDEX = -100;

const input = (name: string, t: HostTensor): Tensor => Tensor.input(name, t.shape, t.dtype);

/**
 * Labels that count toward the loss: the token weight of a batch. When the model shifts labels
 * inside (Hugging Face causal LMs), the first label of each row is never scored.
 */
export function lossTokens(labels: HostTensor, shifted: boolean): number {
  const data = labels.data as ArrayLike<number | bigint>;
  const width = labels.shape[labels.shape.length - 1];
  let n = 0;
  for (let i = 0; i < data.length; i++) if (Number(data[i]) !== IGNORE_INDEX && !(shifted && i % width === 0)) n++;
  return n;
}

/**
 * Next-token cross-entropy over batches of {input_ids, labels, attention_mask?, position_ids?}:
 * the loss of pretraining and of SFT once the data package has masked the prompt with -100.
 */
export class CausalLmTask implements Task {
  readonly name: string = 'causal_lm';
  private readonly generators: ReadonlyMap<string, Rng>;

  /** `labelsShiftedInside`: the model scores logits at t against labels at t + 1, as transformers does. */
  constructor(
    readonly model: CausalLmModel,
    private readonly opts: { labelsShiftedInside?: boolean } = {},
  ) {
    this.generators = collectModuleRngs(model);
  }

  namedParameters() {
    return this.model.namedParameters();
  }

  rngs(): ReadonlyMap<string, Rng> {
    return this.generators;
  }

  setTraining(training: boolean): void {
    this.model.train(training);
  }

  setGradientCheckpointing(enabled: boolean): void {
    if (this.model.setGradientCheckpointing) this.model.setGradientCheckpointing(enabled);
    else if (enabled) throw new Error(`${this.model.constructor.name} does not support gradient_checkpointing`);
  }

  trace(batch: Batch): TaskOutput {
    const { input_ids: ids, labels, attention_mask: mask, position_ids: positions } = batch.tensors;
    if (!ids || !labels) throw new Error(`${this.name} task: a batch needs input_ids and labels, got [${Object.keys(batch.tensors).join(', ')}]`);
    const opts: CausalLmLossOptions = {};
    if (mask) opts.attentionMask = input('attention_mask', mask);
    if (positions) opts.positionIds = input('position_ids', positions);
    const loss = this.model.loss(input('input_ids', ids), input('labels', labels), ...(mask || positions ? [opts] : []));
    return { loss, weight: lossTokens(labels, this.opts.labelsShiftedInside ?? false) };
  }

  derivedMetrics(means: Readonly<Record<string, number>>): Record<string, number> {
    // exp of the token-weighted mean loss: perplexity over the eval set, not a mean of per-batch perplexities.
    return { perplexity: Math.exp(means.loss) };
  }
}
