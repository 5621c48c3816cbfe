import { HostTensor, OrtExecutor, ReferenceExecutor, Tensor } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { rewardLoss } from './reward.loss.js';

// Hand-made rewards of four pairs: two ranked right, two wrong.
const chosen = [1.2, -0.4, 0.3, 2.0];
const rejected = [0.1, 0.5, -1.1, 2.6];
const margin = [0.5, 0.0, 1.0, 0.2];

const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** TRL's RewardTrainer loss in plain arithmetic. */
const closedForm = (m: number[] | null, coefficient: number | null): number =>
  mean(chosen.map((c, i) => -logSigmoid(c - rejected[i] - (m ? m[i] : 0)))) + (coefficient ? coefficient * mean(chosen.map((c, i) => (c + rejected[i]) ** 2)) : 0);

const f64 = new ReferenceExecutor({ precision: 'f64' });
const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());
const vec = (xs: number[]) => Tensor.constant(HostTensor.f32([xs.length], xs));
const value = (t: Tensor): number => f64.compile([t]).runValues({})[0].data[0];

describe('reward model loss (Bradley-Terry, TRL RewardTrainer)', () => {
  it('equals −mean log σ(r_c − r_r − margin) + coefficient · mean((r_c + r_r)²) in closed form', () => {
    expect(value(rewardLoss(vec(chosen), vec(rejected)).loss)).toBeCloseTo(closedForm(null, null), 6);
    expect(value(rewardLoss(vec(chosen), vec(rejected), { margin: vec(margin) }).loss)).toBeCloseTo(closedForm(margin, null), 6);
    expect(value(rewardLoss(vec(chosen), vec(rejected), { margin: vec(margin), centerCoefficient: 0.01 }).loss)).toBeCloseTo(closedForm(margin, 0.01), 6);
  });

  it('reports accuracy, mean margin and the mean chosen and rejected rewards', () => {
    const { metrics } = rewardLoss(vec(chosen), vec(rejected));
    expect(value(metrics.accuracy)).toBe(0.5);
    expect(value(metrics.margin)).toBeCloseTo(mean(chosen.map((c, i) => c - rejected[i])), 6);
    expect(value(metrics['rewards/chosen'])).toBeCloseTo(mean(chosen), 6);
    expect(value(metrics['rewards/rejected'])).toBeCloseTo(mean(rejected), 6);
  });

  it('has the gradient finite differences give, with margin and centring (and ORT agrees with the reference)', async () => {
    const report = await checkOp(
      'reward.bradley_terry',
      (c, r, m) => rewardLoss(c, r, { margin: m, centerCoefficient: 0.05 }).loss,
      [
        { shape: [4], values: chosen, grad: true },
        { shape: [4], values: rejected, grad: true },
        { shape: [4], values: margin },
      ],
      { executor },
    );
    // Chosen, rejected and margin rewards: 3 × 4 gradients.
    expect(report.checkedGradients).toBe(12);
  });
});
