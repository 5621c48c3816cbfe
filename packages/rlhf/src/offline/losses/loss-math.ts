import { Tensor } from '@tunekit/core';

/** log σ(x) = min(x, 0) − log(1 + e^−|x|): finite for any x (torch's F.logsigmoid). */
export function logSigmoid(x: Tensor): Tensor {
  return x.minimum(0).sub(x.abs().neg().exp().add(1).log());
}

/**
 * log(1 − eˣ) for x < 0 (a log-probability): the log of the complement's probability. Near 0,
 * 1 − eˣ cancels in f32, so there it is −x(1 + x/2 + x²/6) (the series of −expm1), exact to x⁴.
 */
export function log1mExp(x: Tensor): Tensor {
  const series = x.neg().mul(x.mul(x).div(6).add(x.div(2)).add(1));
  const direct = x.exp().neg().add(1);
  return Tensor.where(x.gt(-1e-2), series, direct).log();
}

