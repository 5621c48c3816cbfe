import { OrtExecutor, ReferenceExecutor, type Tensor } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { GRPO_LOSS_TYPES, type GrpoLossOptions, type GrpoLossType, type ImportanceSamplingLevel, grpoLoss } from './grpo.loss.js';
import { highEntropyMask } from './entropy-mask.js';
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

/** Every value of a lazy tensor, run in float64 on the reference executor. */
const evaluateAll = (t: Tensor) => [...new ReferenceExecutor({ precision: 'f64' }).compile([t]).runValues({})[0].data].map(Number);

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

  describe('TRL options beyond the loss type (values from the same numpy transcription of _compute_loss)', () => {
    // Row 1 (A = −1.1) gets a second-token ratio exp(0.4) = 1.4918, above 1 + ε_high: the case delta caps.
    const OLD2 = [[-1.0, -1.0, -2.1], [-0.6, -1.9, -0.95]];
    const run = (old: number[][], o: Partial<GrpoLossOptions> & Pick<GrpoLossOptions, 'lossType' | 'importanceSamplingLevel' | 'beta'>) =>
      grpoLoss({ logps: constant(LOGPS), oldLogps: constant(old), refLogps: constant(REF), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS }, { ...options(o.lossType, o.importanceSamplingLevel, o.beta), ...o });

    it('delta caps the unclipped ratio (two-sided clipping), per token and per sequence', () => {
      const at = (o: Parameters<typeof run>[1]) => evaluate(run(OLD2, o).loss)[0];
      expect(at({ lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0, delta: 1.35 })).toBeCloseTo(0.3294223767896326, 6);
      expect(at({ lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0, delta: null })).toBeCloseTo(0.3517091149904036, 6);
      expect(at({ lossType: 'grpo', importanceSamplingLevel: 'sequence', beta: 0, delta: 1.05 })).toBeCloseTo(0.26306153104667507, 6);
      expect(at({ lossType: 'grpo', importanceSamplingLevel: 'sequence', beta: 0 })).toBeCloseTo(0.26255309249626546, 6);
    });

    it('use_bias_correction_kl weighs the k3 term by the ratio, in the loss and the logged kl', () => {
      const out = run(OLD, { lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04, biasCorrectionKl: true });
      const [loss, kl] = evaluate(out.loss, out.metrics.kl);
      expect(loss).toBeCloseTo(0.24326415557852835, 6);
      expect(kl).toBeCloseTo(0.009462257611352118, 7);
    });

    it('off_policy_mask_threshold drops a negative-advantage completion whose mean log π_old − log π exceeds it', () => {
      // Row 1's mean drift is 0.05: dropped at 0.04, kept at 0.06; row 0 (A > 0) is always kept.
      const at = (threshold: number, o: Pick<GrpoLossOptions, 'lossType' | 'importanceSamplingLevel' | 'beta'>) => evaluate(run(OLD, { ...o, offPolicyMaskThreshold: threshold }).loss)[0];
      expect(at(0.04, { lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04 })).toBeCloseTo(-0.2396201664640911, 6);
      expect(at(0.06, { lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04 })).toBeCloseTo(EXPECTED.token.dapo[0], 6);
      expect(at(0.04, { lossType: 'bnpo', importanceSamplingLevel: 'sequence', beta: 0 })).toBeCloseTo(-0.33640675084032773, 6);
    });

    it("a quantized sampler's correction weighs each token loss before the KL joins, and its log-probs are what the off-policy mask measures drift from", () => {
      const SAMPLING = [[-1.1, -0.8, -2.2], [-0.2, -1.3, -0.65]];
      const IS = [[0.9, 1.2, 1.0], [1.1, 1.1, 1.1]];
      const at = (o: Parameters<typeof run>[1], extra: { samplingRatio?: number[][]; samplingLogps?: number[][] }) =>
        evaluate(
          grpoLoss(
            {
              logps: constant(LOGPS),
              oldLogps: constant(OLD),
              refLogps: constant(REF),
              advantages: constant(ADVANTAGES),
              mask: constant(MASK),
              tokenNormalizer: NUM_ITEMS,
              ...(extra.samplingRatio ? { samplingRatio: constant(extra.samplingRatio) } : {}),
              ...(extra.samplingLogps ? { samplingLogps: constant(extra.samplingLogps) } : {}),
            },
            { ...options(o.lossType, o.importanceSamplingLevel, o.beta), ...o },
          ).loss,
        )[0];
      expect(at({ lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04 }, { samplingRatio: IS })).toBeCloseTo(0.27161323699805656, 6);
      expect(at({ lossType: 'grpo', importanceSamplingLevel: 'sequence', beta: 0 }, { samplingRatio: IS })).toBeCloseTo(0.133959941345002, 6);
      // Row 1's drift from the sampler is 0.2167 (from π_old, 0.05): dropped at 0.1, kept at 0.3.
      expect(at({ lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04, offPolicyMaskThreshold: 0.1 }, { samplingLogps: SAMPLING })).toBeCloseTo(-0.2396201664640911, 6);
      expect(at({ lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04, offPolicyMaskThreshold: 0.3 }, { samplingLogps: SAMPLING })).toBeCloseTo(EXPECTED.token.dapo[0], 6);
    });

    it('entropy_coef subtracts the mean token entropy times it, as every loss type carries it to the step, and logs the loss before it', () => {
      const ENTROPY = [[2.1, 0.4, 3.0], [1.3, 0.9, 2.6]];
      // TRL: Σ(H·mask) / num_items_in_batch for dapo, the token mean for the others (before their ÷ accumulation steps).
      const expected: Record<GrpoLossType, number> = { dapo: 0.23280001067731082, grpo: 0.12933876283898432, bnpo: 0.32592001494823514, dr_grpo: 0.19822500934264697 };
      for (const lossType of GRPO_LOSS_TYPES) {
        const out = grpoLoss(
          { logps: constant(LOGPS), oldLogps: constant(OLD), refLogps: constant(REF), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS, entropy: constant(ENTROPY) },
          { ...options(lossType, 'token', 0.04), entropyCoef: 0.01 },
        );
        const [loss, policyLoss, coef] = evaluate(out.loss, out.metrics.policy_loss, out.metrics.entropy_coef);
        expect(loss, lossType).toBeCloseTo(expected[lossType], 6);
        expect(policyLoss, lossType).toBeCloseTo(EXPECTED.token[lossType][0], 6);
        expect(coef).toBeCloseTo(0.01, 9);
      }
      expect(() => lossOf(constant(LOGPS), { ...options('bnpo', 'token', 0), entropyCoef: 0.01 })).toThrow(/entropyCoef needs the token entropies/);
    });

    it('top_entropy_quantile keeps the policy loss (and the entropy bonus) on the top fraction of tokens by entropy, as torch.quantile ranks them', () => {
      // Counted entropies 2.1, 0.4 | 1.3, 0.9, 2.6 (3.0 is padding): the 0.6-quantile is 1.62, so only 2.1 and 2.6 count at 0.4.
      const ENTROPY = [[2.1, 0.4, 3.0], [1.3, 0.9, 2.6]];
      const at = (lossType: GrpoLossType, beta: number, topEntropyQuantile: number, entropyCoef: number) =>
        evaluate(
          grpoLoss(
            { logps: constant(LOGPS), oldLogps: constant(OLD), refLogps: constant(REF), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS, entropy: constant(ENTROPY) },
            { ...options(lossType, 'token', beta), topEntropyQuantile, entropyCoef },
          ).loss,
        )[0];
      expect(at('dapo', 0.04, 0.4, 0.01)).toBeCloseTo(0.06515100582356981, 6);
      expect(at('grpo', 0.04, 0.4, 0.01)).toBeCloseTo(0.005848257176286391, 6);
      expect(at('dapo', 0, 0.2, 0)).toBeCloseTo(0.16519974371623233, 6);
      expect(at('dapo', 0.04, 1, 0)).toBeCloseTo(EXPECTED.token.dapo[0], 6);
    });

    it('the high-entropy mask interpolates between ranks, ignores padding and is empty when nothing counts, on ORT as on the reference', async () => {
      const ENTROPY = constant([[2.1, 0.4, 3.0], [1.3, 0.9, 2.6]]);
      const ort = new OrtExecutor();
      const maskOf = async (quantile: number, mask: number[][] = MASK) => {
        const traced = highEntropyMask(ENTROPY, constant(mask), quantile);
        const [onOrt] = await ort.compile([traced]).run({});
        expect([...onOrt.toFloat32()]).toEqual(evaluateAll(traced));
        return evaluateAll(traced);
      };
      expect(await maskOf(0.6)).toEqual([1, 0, 0, 0, 0, 1]);
      // numpy.quantile(…, 1/3 → 0.6667) = 1.8333; 0.8 → 2.2; 0.1 → 0.6.
      expect(await maskOf(2 / 3)).toEqual([1, 0, 0, 0, 0, 1]);
      expect(await maskOf(0.8)).toEqual([0, 0, 0, 0, 0, 1]);
      expect(await maskOf(0.1)).toEqual([1, 0, 0, 1, 1, 1]);
      expect(await maskOf(0.5, [[0, 0, 0], [0, 0, 0]])).toEqual([0, 0, 0, 0, 0, 0]);
      expect(await maskOf(0.5, [[0, 0, 0], [0, 0, 1]])).toEqual([0, 0, 0, 0, 0, 1]);
      await ort.dispose();
    });

    it('entropy_coef: gradient with respect to the entropies matches finite differences, on ORT too', async () => {
      const report = await checkOp(
        'grpo_entropy_bonus',
        (entropy) => grpoLoss({ logps: constant(LOGPS), oldLogps: constant(OLD), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS, entropy }, { ...options('dapo', 'token', 0), entropyCoef: 0.05 }).loss,
        [{ shape: [2, 3], values: [2.1, 0.4, 3.0, 1.3, 0.9, 2.6] }],
        { executor: new OrtExecutor(), step: 1e-5 },
      );
      expect(report.checkedGradients).toBe(6);
    });

    for (const [name, o] of [
      ['delta', { lossType: 'dapo', importanceSamplingLevel: 'token', beta: 0.04, delta: 1.35 }],
      ['bias-corrected kl', { lossType: 'grpo', importanceSamplingLevel: 'sequence', beta: 0.04, biasCorrectionKl: true }],
      ['off-policy mask', { lossType: 'bnpo', importanceSamplingLevel: 'token', beta: 0.04, offPolicyMaskThreshold: 0.04 }],
    ] as const) {
      it(`${name}: gradient with respect to the log-probs matches finite differences, on ORT too`, async () => {
        const report = await checkOp(`grpo_${name.replace(/[^a-z]+/g, '_')}`, (logps) => grpoLoss({ logps, oldLogps: constant(OLD2), refLogps: constant(REF), advantages: constant(ADVANTAGES), mask: constant(MASK), tokenNormalizer: NUM_ITEMS }, { ...options(o.lossType, o.importanceSamplingLevel, o.beta), ...o }).loss, [{ shape: [2, 3], values: LOGPS.flat() }], {
          executor: new OrtExecutor(),
          step: 1e-5,
        });
        expect(report.checkedGradients).toBe(6);
      });
    }
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
