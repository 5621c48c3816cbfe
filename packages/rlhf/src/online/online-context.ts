import type { PromptRecord } from '@tunekit/data';
import type { CausalLM } from '@tunekit/models';
import type { NamedRewardFunction } from './reward-functions.js';
import type { RolloutContext } from './rollout.js';

/**
 * Traces `fn` against the reference model: the policy with its adapter disabled (LoRA family), or a
 * frozen copy of the base model (full fine-tuning).
 */
export type ReferenceScope = <T>(fn: (model: CausalLM) => T) => T;

/** The reference of a LoRA-family policy: the same model with the adapter switched off. */
export const adapterReference =
  (policy: CausalLM, disableAdapter: <T>(fn: () => T) => T): ReferenceScope =>
  (fn) =>
    disableAdapter(() => fn(policy));

/** The reference of a fully fine-tuned policy: a separately loaded, frozen copy of the base. */
export const frozenReference =
  (copy: CausalLM): ReferenceScope =>
  (fn) =>
    fn(copy);

/** What an online method needs besides its config: the policy and how to sample from it (`RolloutContext`), how to score, and the trainer's batch sizes. */
export interface OnlineContext extends RolloutContext {
  /** Needed when beta > 0. */
  readonly reference?: ReferenceScope;
  readonly prompts: readonly PromptRecord[];
  readonly rewardFunctions: readonly NamedRewardFunction[];
  /** The trainer's arguments these methods read. */
  readonly training: { readonly per_device_train_batch_size: number; readonly gradient_accumulation_steps: number; readonly seed: number };
  /** The run's output_dir, where `log_completions` writes; without it nothing is written. */
  readonly outputDir?: string;
}
