import { OrtExecutor, type Tensor } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { GRPO_LOSS_TYPES, type GrpoLossOptions, type GrpoLossType, type ImportanceSamplingLevel, grpoLoss } from './grpo.loss.js';
import { constant, evaluate } from './online-loss.test-support.js';

// Two completions of three tokens; the first has two tokens, the second three.
const LOGPS = [[-1.2, -0.7, -2.0], [-0.4, -1.5, -0.9]];
const OLD = [[-1.0, -1.0, -2.1], [-0.6, -1.1, -0.95]];
const REF = [[-1.3, -0.5, -1.8], [-0.5, -1.4, -1.0]];
const ADVANTAGES = [0.8, -1.1];
const MASK = [[1, 1, 0], [1, 1, 1]];
const NUM_ITEMS = 7;

const options = (lossType: GrpoLossType, level: ImportanceSamplingLevel, beta: number): GrpoLossOptions => ({
  lossType,
  beta,
  epsilon: 0.2,
  epsilonHigh: 0.28,
  importanceSamplingLevel: level,
  maxCompletionLength: 4,
});

const lossOf = (logps: Tensor, o: GrpoLossOptions) =>
  grpoLoss({ logps, oldLogps: constant(OLD), refLogps: constant(REF), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS }, o);

/**
 * Written out from TRL 1.9's GRPOTrainer._compute_loss with numpy on the inputs above (ratios
 * exp(logps − old): 0.8187 (clipped low: A < 0 only counts), 1.3499 (clipped high at 1.28), 1.1052, 1.2214, 0.6703, 1.0513).
 * [beta 0.04, beta 0].
 */
const EXPECTED: Record<ImportanceSamplingLevel, Record<GrpoLossType, [number, number]>> = {
  token: {
    dapo: [0.24322858210588225, 0.24299380536106113],
    grpo: [0.14393876283898432, 0.1435773893827058],
    dr_grpo: [0.21282500934264698, 0.21261957969092848],
    bnpo: [0.34052001494823514, 0.3401913275054856],
  },
  sequence: {
    dapo: [0.20838096912349507, 0.208146192378674],
    grpo: [0.10302911838126144, 0.1026677449249831],
    dr_grpo: [0.1823333479830582, 0.18212791833133973],
    bnpo: [0.29173335677289314, 0.2914046693301436],
  },
};

describe('grpoLoss (TRL 1.9 loss types)', () => {
  for (const level of ['token', 'sequence'] as const) {
    for (const lossType of GRPO_LOSS_TYPES) {
      it(`${lossType}, ${level}-level ratios: the hand-computed value with and without the KL term`, () => {
        const [withKl, withoutKl] = EXPECTED[level][lossType];
        const [a] = evaluate(lossOf(constant(LOGPS), options(lossType, level, 0.04)).loss);
        const [b] = evaluate(lossOf(constant(LOGPS), options(lossType, level, 0)).loss);
        expect(a).toBeCloseTo(withKl, 6);
        expect(b).toBeCloseTo(withoutKl, 6);
      });
    }
  }

  it('logs the k3 KL and the clip fractions as TRL does', () => {
    const { metrics } = lossOf(constant(LOGPS), options('dapo', 'token', 0.04));
    const [kl, low, high, region] = evaluate(metrics.kl, metrics['clip_ratio/low_mean'], metrics['clip_ratio/high_mean'], metrics['clip_ratio/region_mean']);
    expect(kl).toBeCloseTo(0.008217186068739269, 7);
    // Of the 5 counted tokens, one ratio is below 0.8 with A < 0 and one above 1.28 with A > 0.
    expect([low, high, region]).toEqual([0.2, 0.2, 0.4].map((x) => expect.closeTo(x, 7)));
  });

  it('with no old log-probs the ratio is 1 and the loss is −mean advantage (one update per rollout)', () => {
    const out = grpoLoss({ logps: constant(LOGPS), advantages: constant(ADVANTAGES), mask: constant(MASK) }, options('bnpo', 'token', 0));
    // Tokens: two with A = 0.8, three with A = −1.1.
    expect(evaluate(out.loss)[0]).toBeCloseTo(-(2 * 0.8 - 3 * 1.1) / 5, 6);
  });

  it('refuses dapo without a token count and beta > 0 without reference log-probs', () => {
    const base = { logps: constant(LOGPS), advantages: constant(ADVANTAGES), mask: constant(MASK) };
    expect(() => grpoLoss(base, options('dapo', 'token', 0))).toThrow(/tokenNormalizer/);
    expect(() => grpoLoss({ ...base, tokenNormalizer: 5 }, options('dapo', 'token', 0.1))).toThrow(/reference log-probs/);
  });

  for (const [lossType, level] of [['dapo', 'token'], ['grpo', 'sequence'], ['dr_grpo', 'token'], ['bnpo', 'sequence']] as const) {
    it(`${lossType} (${level}): gradient with respect to the log-probs matches finite differences, on ORT too`, async () => {
      const report = await checkOp(`grpo_${lossType}_${level}`, (logps) => lossOf(logps, options(lossType, level, 0.04)).loss, [{ shape: [2, 3], values: LOGPS.flat() }], {
        executor: new OrtExecutor(),
        step: 1e-5,
      });
      expect(report.checkedGradients).toBe(6);
    });
  }
});
