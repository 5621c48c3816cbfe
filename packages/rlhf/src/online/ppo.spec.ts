import { OrtExecutor, type Tensor } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { constant, evaluate } from './online-loss.test-support.js';
import { ppoLoss } from './ppo.loss.js';
import { type PpoRollout, type PpoTargetOptions, ppoTargets } from './ppo-targets.js';

// Row 0 ends with EOS (2) and padding (0); row 1 runs to the length limit without EOS.
const ROLLOUT: PpoRollout = {
  responses: [[5, 6, 2, 0, 0], [7, 8, 9, 4, 3]],
  logprobs: [[-1, -0.5, -0.3, -2, -1], [-0.7, -1.2, -0.4, -0.9, -1.1]],
  refLogprobs: [[-1.1, -0.4, -0.35, -1, -1], [-0.9, -1.0, -0.5, -1.0, -1.0]],
  values: [[0.1, 0.2, 0.3, 0.4, 0.5], [-0.1, 0.0, 0.2, 0.1, 0.3]],
  scores: [0.5, 1.2],
};
const OPTIONS: PpoTargetOptions = { padTokenId: 0, eosTokenId: 2, stopTokenId: 2, missingEosPenalty: 1, klCoef: 0.05, klEstimator: 'k1', whitenRewards: false, gamma: 1, lam: 0.95 };
const close = (rows: number[][]) => rows.map((r) => r.map((x) => expect.closeTo(x, 9)));

describe('PPO targets (TRL PPOTrainer, written out with numpy)', () => {
  it('k1 KL penalty per token, score at the end, missing-EOS penalty, GAE and whitened advantages', () => {
    const t = ppoTargets(ROLLOUT, OPTIONS);
    expect(t.scores).toEqual([0.5, expect.closeTo(0.2, 12)]);
    expect(t.mask).toEqual([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]);
    expect(t.valueMask).toEqual([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]);
    expect(t.advantages).toEqual(close([[1.2751416035865941, 0.7629473344412242, 0.15690836823525786, 0, 0], [0.741803683365652, 0.2349825493403892, -1.1011586285847035, -0.40067925204860666, -1.6699456583358077]]));
    expect(t.returns).toEqual(close([[0.46848124999999996, 0.487875, 0.4925, 0.5, 0], [0.18454753124999992, 0.20478687499999995, 0.19451249999999995, 0.20474999999999996, 0.20499999999999996]]));
  });

  it('k3 estimator with whitened rewards', () => {
    const t = ppoTargets(ROLLOUT, { ...OPTIONS, klEstimator: 'k3', whitenRewards: true });
    expect(t.advantages).toEqual(close([[0.666861313876558, 1.0650267487207146, 1.4842663950101576, 0, 0], [-1.27388191548679, -0.9729394163936432, -0.776885389526461, -0.2113585089759048, 0.01891077277536905]]));
    expect(t.returns).toEqual(close([[1.1502570956667029, 1.5947196049050363, 2.0574139221291734, 2.5379895296554662, 0], [-0.72872662333809768, -0.36837401785727686, 1.2370436036006627e-3, 0.39048797115440248, 0.78969947383945704]]));
  });
});

describe('ppoLoss', () => {
  const t = ppoTargets(ROLLOUT, OPTIONS);
  const newLogps = ROLLOUT.logprobs.map((row, b) => row.map((x, i) => x + [[0.3, -0.1, 0.05, 0, 0], [-0.4, 0.1, 0.2, -0.05, 0.1]][b][i]));
  const vpred = ROLLOUT.values.map((row, b) => row.map((x, i) => x + [[0.3, -0.1, 0.05, 0.1, 0], [-0.4, 0.1, 0.25, -0.05, 0.1]][b][i]));
  const lossOf = (logps: Tensor, values: Tensor) =>
    ppoLoss(
      { logps, values, oldLogps: constant(ROLLOUT.logprobs as number[][]), advantages: constant(t.advantages), oldValues: constant(t.values), returns: constant(t.returns), mask: constant(t.mask), valueMask: constant(t.valueMask) },
      { cliprange: 0.2, cliprangeValue: 0.2, vfCoef: 0.1 },
    );

  it('pg + vf_coef · vf matches the hand-computed value', () => {
    const out = lossOf(constant(newLogps), constant(vpred));
    const [loss, pg, vf] = evaluate(out.loss, out.metrics['loss/policy_avg'], out.metrics['loss/value_avg']);
    expect(pg).toBeCloseTo(0.0536579056310626, 6);
    expect(vf).toBeCloseTo(0.04477617967197487, 6);
    expect(loss).toBeCloseTo(0.05813552359826008, 6);
  });

  it('gradients with respect to log-probs and values match finite differences, on ORT too', async () => {
    const report = await checkOp('ppo', (logps, values) => lossOf(logps, values).loss, [{ shape: [2, 5], values: newLogps.flat() }, { shape: [2, 5], values: vpred.flat() }], {
      executor: new OrtExecutor(),
      step: 1e-5,
    });
    expect(report.checkedGradients).toBe(20);
  });
});
