import type { Executor } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import type { PrecomputedRefLogps } from './precomputed-ref-logps.js';
import { type ReferencePolicy, type TracedReference, adapterReference, frozenCopy, initialModelReference, modelReference, precomputedReference } from './reference-policy.js';

/** What choosing a reference needs from the run. */
export interface ReferenceContext {
  readonly executor: Executor;
  /** The method's adapter switch (LoRA family); absent for full fine-tuning. */
  readonly disableAdapter?: <T>(fn: () => T) => T;
  /** `ref_model: PATH`, loaded. */
  readonly refModel?: CausalLM | null;
  /** The run's store when `precompute_ref_log_probs` is set, and where it keeps its values. */
  readonly precomputed?: PrecomputedRefLogps | null;
  readonly outputDir?: string;
}

/**
 * TRL's choice of π_ref: `ref_model` when given; else with an adapter, the base with the adapter
 * disabled (traced into the same step); else, under full fine-tuning, a frozen copy of the model.
 * With `precompute_ref_log_probs` that reference (or, for full fine-tuning, the model itself before
 * its first step, so memory holds one model) runs once before training and its values are fed.
 */
export function selectReference(model: CausalLM, ctx: ReferenceContext): ReferencePolicy {
  const stable: TracedReference | null = ctx.refModel
    ? modelReference(ctx.refModel, 'ref_model')
    : ctx.disableAdapter
      ? adapterReference(model, ctx.disableAdapter)
      : null;
  if (ctx.precomputed) {
    if (ctx.outputDir === undefined) throw new Error('precompute_ref_log_probs: the run\'s output dir is needed to store the reference log-probs');
    ctx.precomputed.bind(stable ?? initialModelReference(model), ctx.executor, ctx.outputDir);
    return precomputedReference();
  }
  return stable ?? modelReference(frozenCopy(model), 'a frozen copy of the model');
}
