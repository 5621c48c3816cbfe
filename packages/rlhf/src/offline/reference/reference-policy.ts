import { type Batch, HostTensor, type Module } from '@tunekit/core';
import type { Tensor } from '@tunekit/core';
import { type CausalLM, createModel } from '@tunekit/models';
import { type RowInputs, forwardLogps, vectorInput } from '../tasks/row-inputs.js';

/**
 * Where a task's reference log-probs come from (π_ref of DPO and KTO). Each gives [N] log-probs of
 * a row group's completions, without gradient, for the batch being traced.
 */
export interface ReferencePolicy {
  /** For the run log: `adapter disabled`, `frozen copy`, `ref_model <path>`, `precomputed`. */
  readonly description: string;
  logps(rows: RowInputs, batch: Batch): Tensor;
}

/** A reference that is a model traced into the step (the rows' forward run a second time, no gradient). */
export interface TracedReference extends ReferencePolicy {
  /** Whether the reference stays the same while the policy trains (false: only valid before the first step). */
  readonly stable: boolean;
}

/** LoRA-family methods: the base model with the adapter switched off, traced into the same step. */
export function adapterReference(model: CausalLM, disableAdapter: <T>(fn: () => T) => T): TracedReference {
  return { description: 'the base model with the adapter disabled', stable: true, logps: (rows) => disableAdapter(() => forwardLogps(model, rows).s.logps).detach() };
}

/** A separate model (`ref_model: PATH`, or a frozen copy of a fully fine-tuned model) traced into the step. */
export function modelReference(reference: CausalLM, description: string): TracedReference {
  reference.freeze();
  reference.eval();
  return { description, stable: true, logps: (rows) => forwardLogps(reference, rows).s.logps.detach() };
}

/**
 * The model being trained, as it is now: the reference of a precomputed pass under full fine-tuning,
 * valid only before the first step (so one copy of the weights is held).
 */
export function initialModelReference(model: CausalLM): TracedReference {
  return { description: 'the model before training', stable: false, logps: (rows) => forwardLogps(model, rows).s.logps.detach() };
}

/** A frozen copy of `model`'s current weights (full fine-tuning without precomputed log-probs): twice the weights' memory. */
export function frozenCopy(model: CausalLM): CausalLM {
  const copy = createModel(model.config, { dtype: model.parameters()[0]?.dtype as 'f32' | 'bf16' | 'f16' | undefined, empty: true });
  const source = new Map<string, { value: HostTensor }>(model.namedParameters());
  for (const [name, p] of copy.namedParameters()) {
    const v = source.get(name)?.value;
    if (!v) throw new Error(`frozen reference copy: the model has no parameter ${name}`);
    p.assign(new HostTensor(v.dtype, v.shape, v.data.slice()));
  }
  return copy;
}

/** Reference log-probs computed in a pass before training (`precompute_ref_log_probs`) and fed with each batch. */
export function precomputedReference(): ReferencePolicy {
  return { description: 'precomputed before training', logps: (rows, batch) => vectorInput(batch, `${rows.prefix}ref_logps`, 'precomputed reference') };
}

/** Whether the module is a causal LM with a traced forward (what every offline task scores). */
export function asCausalLm(model: Module, task: string): CausalLM {
  if (!('forward' in model) || !('config' in model)) throw new Error(`${task} task: the model must be a causal LM with a forward (got ${model.constructor.name})`);
  return model as unknown as CausalLM;
}
