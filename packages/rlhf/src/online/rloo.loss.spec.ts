import { OrtExecutor } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { constant, evaluate } from './online-loss.test-support.js';
import { rlooLoss } from './rloo.loss.js';

const LOGPS = [[-1.2, -0.7, -2.0], [-0.4, -1.5, -0.9]];
const MASK = [[1, 1, 0], [1, 1, 1]];
const lossOf = (logps = constant(LOGPS)) =>
  rlooLoss({ logps, oldSequenceLogps: constant([-1.7, -2.7]), advantages: constant([0.8, -1.1]), mask: constant(MASK) }, { epsilon: 0.2, epsilonHigh: 0.28 });

describe('rlooLoss (TRL 1.9)', () => {
  it('matches the hand-computed sequence-level clipped loss', () => {
    // Ratios exp(−1.9 + 1.7) = 0.8187 and exp(−2.8 + 2.7) = 0.9048: neither clipped; −(0.8187·0.8 − 0.9048·1.1)/2.
    expect(evaluate(lossOf().loss)[0]).toBeCloseTo(0.1701682786885852, 6);
    expect(evaluate(lossOf().metrics['clip_ratio/region_mean'])[0]).toBe(0);
  });

  it('gradient matches finite differences, on ORT too', async () => {
    const report = await checkOp('rloo', (logps) => lossOf(logps).loss, [{ shape: [2, 3], values: LOGPS.flat() }], { executor: new OrtExecutor(), step: 1e-5 });
    expect(report.checkedGradients).toBe(6);
  });
});
