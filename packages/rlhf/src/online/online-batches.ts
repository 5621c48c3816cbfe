import { type Batch, HostTensor, Rng, mixSeed } from '@tunekit/core';
import { takeRows } from '@tunekit/models';
import type { LaidOutRollout } from './rollout-layout.js';

/** Feed names of a rollout's host metrics start with this; the task passes them through as metrics. */
export const METRIC_FEED = 'metric:';

export interface RolloutTensors {
  readonly rows: LaidOutRollout;
  /** Per-row extras, [N, ...] (advantages, old and reference log-probs). */
  readonly perRow: Readonly<Record<string, HostTensor>>;
  /** Scalars every micro-batch gets (the DAPO token normaliser). */
  readonly scalars: Readonly<Record<string, number>>;
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * Shuffles a rollout's rows (TRL shuffles the generation batch before splitting it) and splits them
 * into `steps` micro-batches of equal size, each carrying the rollout's metrics as scalar feeds.
 */
export function splitRollout(r: RolloutTensors, steps: number, seed: number): Batch[] {
  const n = r.rows.size;
  const size = n / steps;
  const order = new Rng(mixSeed(seed, 0x5eed)).shuffle(Array.from({ length: n }, (_, i) => i));
  const scalar = (v: number) => HostTensor.f32([], [v]);
  const shared: Record<string, HostTensor> = {
    ...Object.fromEntries(Object.entries(r.scalars).map(([k, v]) => [k, scalar(v)])),
    ...Object.fromEntries(Object.entries(r.metrics).map(([k, v]) => [`${METRIC_FEED}${k}`, scalar(v)])),
  };
  return Array.from({ length: steps }, (_, s) => {
    const rows = order.slice(s * size, (s + 1) * size);
    const tensors: Record<string, HostTensor> = {
      ...r.rows.feeds(rows),
      ...Object.fromEntries(Object.entries(r.perRow).map(([k, t]) => [k, takeRows(t, rows)])),
      ...shared,
    };
    return { tensors, tokens: rows.reduce((sum, row) => sum + r.rows.rowTokens[row], 0) };
  });
}
