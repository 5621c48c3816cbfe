/** HF's `rewrite_logs`: `eval_x` → `eval/x`, `test_x` → `test/x`, anything else → `train/x` (so `rewards/chosen` → `train/rewards/chosen`). */
const PREFIXES: readonly (readonly [string, string])[] = [
  ['eval_', 'eval/'],
  ['test_', 'test/'],
];

/** Keys that are the event's coordinates, not metrics: the step is the event's own field. */
const NOT_SCALARS = new Set(['step']);

export function tensorboardTag(key: string): string {
  const prefix = PREFIXES.find(([p]) => key.startsWith(p));
  return prefix ? `${prefix[1]}${key.slice(prefix[0].length)}` : `train/${key}`;
}

/** A log entry's metrics under TensorBoard tags, as HF's TensorBoardCallback writes them. */
export function tensorboardScalars(metrics: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics)) if (!NOT_SCALARS.has(k) && typeof v === 'number') out[tensorboardTag(k)] = v;
  return out;
}
