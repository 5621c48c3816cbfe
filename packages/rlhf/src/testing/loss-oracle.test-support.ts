// Plain-arithmetic forms of the preference losses, written from the papers' equations (and TRL's
// conventions) without tensors: the oracle the traced losses are checked against.

export interface PairRows {
  chosen: number[];
  rejected: number[];
  refChosen: number[];
  refRejected: number[];
  chosenTokens: number[];
  rejectedTokens: number[];
}

const logSigmoid = (x: number): number => (x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const meanOf = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const desc = (xs: number[]): number[] => [...xs].sort((a, b) => b - a);

/** Each DPO loss type's batch mean for β and ε, from per-pair closed forms. */
export function dpoOracle(r: PairRows, beta: number, eps: number, chosenNll = 0): Record<string, number> {
  const cl = r.chosen.map((c, i) => c - r.refChosen[i]);
  const rl = r.rejected.map((x, i) => x - r.refRejected[i]);
  const d = cl.map((c, i) => c - rl[i]);
  const smoothed = (x: number) => -(1 - eps) * logSigmoid(beta * x) - eps * logSigmoid(-beta * x);
  const pol = desc(r.chosen.map((c, i) => c - r.rejected[i]));
  const ref = desc(r.refChosen.map((c, i) => c - r.refRejected[i]));
  const [sc, sr] = [desc(cl), desc(rl)];
  const per: Record<string, (i: number) => number> = {
    sigmoid: (i) => -logSigmoid(beta * d[i]),
    hinge: (i) => Math.max(0, 1 - beta * d[i]),
    ipo: (i) => (cl[i] / r.chosenTokens[i] - rl[i] / r.rejectedTokens[i] - 1 / (2 * beta)) ** 2,
    exo_pair: (i) => {
      const qw = sigmoid(beta * d[i]);
      return qw * Math.log(qw / (1 - eps)) + (1 - qw) * Math.log((1 - qw) / eps);
    },
    nca_pair: (i) => -logSigmoid(beta * cl[i]) - 0.5 * logSigmoid(-beta * cl[i]) - 0.5 * logSigmoid(-beta * rl[i]),
    robust: (i) => (-(1 - eps) * logSigmoid(beta * d[i]) + eps * logSigmoid(-beta * d[i])) / (1 - 2 * eps),
    bco_pair: (i) => -logSigmoid(beta * cl[i]) - logSigmoid(-beta * rl[i]),
    sppo_hard: (i) => (cl[i] - 0.5 / beta) ** 2 + (rl[i] + 0.5 / beta) ** 2,
    aot: (i) => smoothed(pol[i] - ref[i]),
    aot_unpaired: (i) => smoothed(sc[i] - sr[i]),
    apo_zero: (i) => 1 - sigmoid(beta * cl[i]) + sigmoid(beta * rl[i]),
    apo_down: (i) => sigmoid(beta * cl[i]) + 1 - sigmoid(beta * d[i]),
    sft: () => chosenNll,
  };
  return Object.fromEntries(Object.entries(per).map(([k, f]) => [k, meanOf(r.chosen.map((_, i) => f(i)))]));
}

/** SimPO (CPO's `simpo`): sigmoid loss on per-token means with margin γ, plus α·NLL. */
export function simpoOracle(r: PairRows, beta: number, gamma: number, eps: number, cpoAlpha = 0, chosenNll = 0): number {
  const per = r.chosen.map((c, i) => {
    const x = beta * (c / r.chosenTokens[i] - r.rejected[i] / r.rejectedTokens[i]) - gamma;
    return -(1 - eps) * logSigmoid(x) - eps * logSigmoid(-x);
  });
  return meanOf(per) + cpoAlpha * chosenNll;
}

/** ORPO: NLL − λ·mean log σ(log odds ratio), odds from per-token mean probabilities. */
export function orpoOracle(r: PairRows, lambda: number, chosenNll: number): number {
  const logOdds = (lp: number) => lp - Math.log(-Math.expm1(lp));
  const per = r.chosen.map((c, i) => logSigmoid(logOdds(c / r.chosenTokens[i]) - logOdds(r.rejected[i] / r.rejectedTokens[i])));
  return chosenNll - lambda * meanOf(per);
}

/** KTO over unpaired rows with the KL estimate from mismatched rows (clamped at 0). */
export function ktoOracle(
  rows: { logps: number[]; refLogps: number[]; label: number[]; klLogps: number[]; refKlLogps: number[] },
  beta: number,
  wd: number,
  wu: number,
): number {
  const kl = Math.max(0, meanOf(rows.klLogps.map((x, i) => x - rows.refKlLogps[i])));
  const per = rows.logps.map((x, i) => {
    const lr = x - rows.refLogps[i];
    return rows.label[i] === 1 ? wd * (1 - sigmoid(beta * (lr - kl))) : wu * (1 - sigmoid(beta * (kl - lr)));
  });
  return meanOf(per);
}
