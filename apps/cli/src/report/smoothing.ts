/** TensorBoard's default smoothing weight (its slider starts at 0.6). */
export const TENSORBOARD_SMOOTHING = 0.6;

/**
 * TensorBoard's scalar smoothing: an exponential moving average, debiased by 1 - w^n as Adam is, so
 * the first points are not pulled toward zero. Non-finite values pass through unsmoothed and do not
 * enter the average; a constant series is returned as it is (TensorBoard skips it).
 */
export function smoothDebiasedEma(values: readonly number[], weight = TENSORBOARD_SMOOTHING): number[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length && finite.every((v) => v === finite[0])) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    count++;
    return weight === 1 ? last : last / (1 - weight ** count);
  });
}
