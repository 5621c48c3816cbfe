import type { HostTensor } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import type { PolicyForward, RolloutInputs } from './policy-logps.js';
import type { Rollout } from './rollout.js';
import type { RolloutRows } from './rollout-rows.js';

/** A rollout's rows, laid out for the update and the log-prob passes. */
export interface LaidOutRollout {
  /** Completion rows. */
  readonly size: number;
  /** Real tokens (prompt and completion) of each row, what the trainer counts as input tokens. */
  readonly rowTokens: readonly number[];
  /** The feeds of rows `picked`, in that order: one micro-batch or one log-prob chunk. */
  feeds(picked: readonly number[]): Record<string, HostTensor>;
  /**
   * A per-token tensor of every row, laid out as the log-prob passes' are, holding `values[row][j]`
   * where completion token j of the row is scored and 0 elsewhere (a sampler's own log-probs, say).
   */
  completionTokens(values: readonly (readonly number[])[]): HostTensor<'f32'>;
  /** Every row's per-token mask, as the log-prob passes lay it out: 1 on completion tokens that count. */
  tokenMask(): HostTensor<'f32'>;
}

/** The policy forward over one laid-out micro-batch. */
export interface LayoutForward {
  readonly policy: PolicyForward;
  /** The rows as prompt + completion sequences, for a task that runs a second model over them (PPO's value model); null where the layout has none. */
  readonly inputs: RolloutInputs | null;
}

/**
 * How an online task's update reads a rollout. Per-token tensors it produces ([N, L] log-probs,
 * masks) are aligned with each other whatever L means, so losses and the log-prob passes that feed
 * them never look inside.
 */
export interface RolloutLayout {
  layOut(rollout: Rollout, rows: RolloutRows, opts: { maxCompletionLength: number }): LaidOutRollout;
  /** The policy forward over `feeds` (as `LaidOutRollout.feeds` made them), traced as inputs of the same names. */
  trace(model: CausalLM, feeds: Readonly<Record<string, HostTensor>>, temperature: number): LayoutForward;
}

/** Real tokens of each row: its prompt and its completion. */
export const rowTokens = (rollout: Rollout): number[] => rollout.promptIds.map((p, i) => p.length + rollout.completionIds[i].length);
