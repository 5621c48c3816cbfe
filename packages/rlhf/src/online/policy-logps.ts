import { type Executor, HostTensor, type Tensor, takeTracedFeeds } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';
import { sequenceLogps } from '../common/sequence-logps.js';
import { tokenEntropy } from '../common/token-entropy.js';
import type { ReferenceScope } from './online-context.js';
import type { LaidOutRollout, RolloutLayout } from './rollout-layout.js';

/** Feed names of a rollout micro-batch, shared by the update's trace and the log-prob passes. */
export const ROLLOUT_FEEDS = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  completionMask: 'completion_mask',
} as const;

export interface PolicyForward {
  /** [N, L] per-token log-probs (position t scores token t + 1) of the completions, at `temperature`. */
  readonly perToken: Tensor;
  /** [N, L] 1 where `perToken` counts. */
  readonly mask: Tensor;
  /** [N, L] entropy of the next-token distribution at each position. */
  readonly entropy: Tensor;
}

/** A rollout micro-batch's rows as traced inputs. */
export interface RolloutInputs {
  readonly inputIds: Tensor;
  readonly attentionMask: Tensor;
  readonly completionMask: Tensor;
}

/**
 * The policy's log-probs of the sampled tokens, from logits divided by the sampling temperature
 * (as TRL scores them, so the ratio compares the distributions that were sampled from).
 */
export function tracePolicy(model: CausalLM, rows: RolloutInputs, temperature: number): PolicyForward {
  const logits = model.call(rows.inputIds, { attentionMask: rows.attentionMask }).logits.div(temperature);
  const { perToken, mask } = sequenceLogps(logits, rows.inputIds, rows.completionMask);
  return { perToken, mask, entropy: tokenEntropy(logits) };
}

/**
 * Per-token log-probs of every row under the policy as it is now, or under the reference when
 * `reference` is given, without gradients, `chunk` rows per run so the program matches the
 * update's batch shape. The tensor is laid out as `layout`'s per-token tensors are.
 */
export async function rowLogps(
  model: CausalLM,
  executor: Executor,
  rollout: LaidOutRollout,
  opts: { layout: RolloutLayout; temperature: number; chunk: number; reference?: ReferenceScope },
): Promise<HostTensor<'f32'>> {
  const n = rollout.size;
  const chunks: Float32Array[] = [];
  let width = 0;
  const wasTraining = model.training;
  model.train(false);
  try {
    for (let start = 0; start < n; start += opts.chunk) {
      const feeds = rollout.feeds(Array.from({ length: Math.min(opts.chunk, n - start) }, (_, i) => start + i));
      const trace = (m: CausalLM) => opts.layout.trace(m, feeds, opts.temperature).policy.perToken;
      const perToken = opts.reference ? opts.reference(trace) : trace(model);
      width = perToken.dim(1);
      const [values] = await executor.compile([perToken]).run({ ...feeds, ...takeTracedFeeds() });
      chunks.push(values.toFloat32());
    }
  } finally {
    model.train(wasTraining);
  }
  const out = HostTensor.zeros('f32', [n, width]);
  chunks.reduce((at, c) => (out.data.set(c, at), at + c.length), 0);
  return out;
}
