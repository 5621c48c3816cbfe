import { HostTensor, OrtExecutor, Parameter, ReferenceExecutor, Tensor, grad } from '@tunekit/core';
import { checkOp } from '@tunekit/core/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { dpoOracle, ktoOracle, orpoOracle, simpoOracle } from '../../testing/loss-oracle.test-support.js';
import { CPO_LOSS_TYPES, cpoLoss } from './cpo.losses.js';
import { DPO_LOSS_TYPES, dpoLoss } from './dpo.losses.js';
import { ktoLoss } from './kto.loss.js';
import { orpoLoss } from './orpo.loss.js';

// Hand-made sequence log-probs of three pairs; no two pairs tie, so AOT's sort has one answer.
const rows = {
  chosen: [-5.2, -7.1, -3.3],
  rejected: [-6.0, -5.5, -9.1],
  refChosen: [-5.5, -6.8, -4.0],
  refRejected: [-5.9, -6.2, -8.0],
  chosenTokens: [4, 6, 3],
  rejectedTokens: [5, 4, 7],
};
const nll = 1.37;
const [beta, eps] = [0.8, 0.1];

const executor = new OrtExecutor({ threads: 1 });
afterAll(() => executor.dispose());

const f64 = new ReferenceExecutor({ precision: 'f64' });
const value = (t: Tensor): number => f64.compile([t]).runValues({})[0].data[0];
const vec = (xs: number[]) => Tensor.constant(HostTensor.f32([xs.length], xs));
const order = ['chosen', 'rejected', 'refChosen', 'refRejected', 'chosenTokens', 'rejectedTokens'] as const;
/** checkOp's inputs: the log-probs differentiated, the token counts not, then the scalar NLL. */
const inputs = [...order.map((k) => ({ shape: [3], values: rows[k], grad: !k.endsWith('Tokens') })), { shape: [], values: [nll] }];
const pairs = (c: Tensor, r: Tensor, rc: Tensor, rr: Tensor, nc: Tensor, nr: Tensor, n: Tensor) =>
  ({ chosen: c, rejected: r, refChosen: rc, refRejected: rr, chosenTokens: nc, rejectedTokens: nr, chosenNll: n });
const allConstant = () => pairs(...(order.map((k) => vec(rows[k])) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]), Tensor.scalar(nll));

describe('DPO losses (TRL 1.9 loss_type)', () => {
  const oracle = dpoOracle(rows, beta, eps, nll);

  it.each(DPO_LOSS_TYPES)('%s equals its closed form on hand-made log-probs', (type) => {
    expect(value(dpoLoss(allConstant(), { lossType: [type], beta, labelSmoothing: eps }))).toBeCloseTo(oracle[type], 6);
  });

  it.each(DPO_LOSS_TYPES)('%s: gradient matches finite differences (and ORT matches the reference)', async (type) => {
    const report = await checkOp(`dpo.${type}`, (...xs) => dpoLoss(pairs(...(xs as Parameters<typeof pairs>)), { lossType: [type], beta, labelSmoothing: eps }), inputs, { executor });
    expect(report.checkedGradients).toBe(13);
  });

  it('combines loss types with loss_weights (RPO = sigmoid + α·sft) and weights pairs (WPO)', () => {
    expect(value(dpoLoss(allConstant(), { lossType: ['sigmoid', 'sft'], lossWeights: [1, 0.5], beta, labelSmoothing: 0 }))).toBeCloseTo(dpoOracle(rows, beta, 0, nll).sigmoid + 0.5 * nll, 6);
    const w = [0.2, 0.5, 0.9];
    const weighted = value(dpoLoss({ ...allConstant(), pairWeights: vec(w) }, { lossType: ['hinge'], beta, labelSmoothing: 0 }));
    const perPair = rows.chosen.map((_, i) => dpoOracle({ ...Object.fromEntries(order.map((k) => [k, [rows[k][i]]])) } as typeof rows, beta, 0).hinge);
    expect(weighted).toBeCloseTo(perPair.reduce((s, l, i) => s + l * w[i], 0) / 3, 6);
    expect(() => dpoLoss(allConstant(), { lossType: ['sigmoid', 'sft'], lossWeights: [1], beta, labelSmoothing: 0 })).toThrow('1 loss_weights for 2 loss_type');
  });
});

describe('CPO / SimPO, ORPO and KTO losses', () => {
  const cpo = (lossType: (typeof CPO_LOSS_TYPES)[number], extra: { alpha?: number; cpoAlpha?: number } = {}) =>
    ({ lossType, beta, labelSmoothing: eps, cpoAlpha: extra.cpoAlpha ?? 1, simpoGamma: 0.5, alpha: extra.alpha ?? 0 });

  it('simpo equals SimPO\'s closed form (length-normalised, margin γ, plus cpo_alpha·NLL)', () => {
    const noRef = { ...rows, refChosen: [0, 0, 0], refRejected: [0, 0, 0] };
    expect(value(cpoLoss(allConstant(), cpo('simpo', { cpoAlpha: 0 })).loss)).toBeCloseTo(simpoOracle(noRef, beta, 0.5, eps), 6);
    expect(value(cpoLoss(allConstant(), cpo('simpo')).loss)).toBeCloseTo(simpoOracle(noRef, beta, 0.5, eps, 1, nll), 6);
    // CPO's sigmoid, hinge and ipo are DPO's with a zero reference (ipo on per-token means, sigmoid smoothed like robust's clean term).
    const dpo = dpoOracle(noRef, beta, 0, 0);
    expect(value(cpoLoss(allConstant(), cpo('hinge', { cpoAlpha: 0 })).loss)).toBeCloseTo(dpo.hinge, 6);
    expect(value(cpoLoss(allConstant(), cpo('ipo', { cpoAlpha: 0 })).loss)).toBeCloseTo(dpo.ipo, 6);
    expect(value(cpoLoss(allConstant(), { ...cpo('sigmoid', { cpoAlpha: 0 }), labelSmoothing: 0 }).loss)).toBeCloseTo(dpo.sigmoid, 6);
  });

  it('AlphaPO reshapes the reward to (1 − p^−α)/α', () => {
    const a = 0.3;
    const r = (lp: number) => (1 - Math.exp(-a * lp)) / a;
    const want = rows.chosen.map((c, i) => Math.max(0, 1 - beta * (r(c) - r(rows.rejected[i])))).reduce((s, x) => s + x, 0) / 3;
    expect(value(cpoLoss(allConstant(), cpo('hinge', { alpha: a, cpoAlpha: 0 })).loss)).toBeCloseTo(want, 6);
  });

  it.each(CPO_LOSS_TYPES)('cpo %s: gradient matches finite differences', async (type) => {
    await checkOp(`cpo.${type}`, (...xs) => cpoLoss(pairs(...(xs as Parameters<typeof pairs>)), cpo(type)).loss, inputs, { executor });
  });

  it('orpo equals NLL − λ·mean log σ(log odds ratio), and its gradient matches finite differences', async () => {
    expect(value(orpoLoss(allConstant(), beta).loss)).toBeCloseTo(orpoOracle(rows, beta, nll), 6);
    // Per-token means near 0, where 1 − p cancels in f32: the series branch keeps the value.
    const near = { ...rows, chosen: [-0.004, -0.03, -0.0009], chosenTokens: [4, 6, 3] };
    const nearT = { ...allConstant(), chosen: vec(near.chosen) };
    expect(value(orpoLoss(nearT, beta).loss)).toBeCloseTo(orpoOracle(near, beta, nll), 6);
    await checkOp('orpo', (...xs) => orpoLoss(pairs(...(xs as Parameters<typeof pairs>)), beta).loss, inputs, { executor });
  });

  const unpaired = { logps: [-4.1, -6.3, -2.2, -7.7], refLogps: [-4.6, -5.9, -2.9, -7.1], label: [1, 0, 1, 0], klLogps: [-8.2, -9.0, -7.4, -6.6], refKlLogps: [-8.0, -9.5, -7.9, -6.8] };
  const kto = { lossType: 'kto' as const, beta, desirableWeight: 1.3, undesirableWeight: 0.7 };

  it('kto equals its closed form, with the KL estimate from mismatched rows clamped at 0 and detached', async () => {
    const t = Object.fromEntries(Object.entries(unpaired).map(([k, v]) => [k, vec(v)])) as unknown as Parameters<typeof ktoLoss>[0];
    expect(value(ktoLoss(t, kto).loss)).toBeCloseTo(ktoOracle(unpaired, beta, 1.3, 0.7), 6);
    const negativeKl = { ...unpaired, klLogps: unpaired.refKlLogps.map((x) => x - 1) };
    const tn = { ...t, klLogps: vec(negativeKl.klLogps) };
    expect(value(ktoLoss(tn, kto).kl)).toBe(0);
    expect(value(ktoLoss(tn, kto).loss)).toBeCloseTo(ktoOracle(negativeKl, beta, 1.3, 0.7), 6);
    const report = await checkOp(
      'kto',
      (logps, refLogps, label, klLogps, refKlLogps) => ktoLoss({ logps, refLogps, label, klLogps, refKlLogps }, kto).loss,
      Object.values(unpaired).map((values, k) => ({ shape: [4], values, grad: k < 2 })),
      { executor },
    );
    expect(report.checkedGradients).toBe(8);
    // The KL rows change the value but get no gradient: TRL detaches the estimate.
    const klRows = Parameter.fromValues([4], unpaired.klLogps);
    const [g] = grad(ktoLoss({ ...t, klLogps: Tensor.param(klRows) }, kto).loss, [klRows]);
    expect(Array.from(f64.compile([g]).runValues({})[0].data)).toEqual([0, 0, 0, 0]);
  });
});
