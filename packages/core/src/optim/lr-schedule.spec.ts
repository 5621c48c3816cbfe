import { describe, expect, it } from 'vitest';
import { Parameter } from '../ir/parameter.js';
import { AdamW } from './adamw.optimizer.js';
import { LR_SCHEDULES, type LrScheduleOptions, LrScheduler, type LrSchedulerType, isLrSchedulerType, warmupStepsFor } from './lr-schedule.js';

const WARMUP_10_TOTAL_100: LrScheduleOptions = { warmupSteps: 10, totalSteps: 100 };

const at = (type: LrSchedulerType, options: LrScheduleOptions, steps: number[]): number[] => {
  const f = LR_SCHEDULES[type](options);
  return steps.map(f);
};

const expectClose = (actual: number[], expected: number[]): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(actual[i], `index ${i}`).toBeCloseTo(e, 12));
};

describe('LR schedules (HF transformers semantics)', () => {
  // Warmup is `step / max(1, warmup)` for every schedule that has one: 0 -> 0, 5 -> 0.5, 10 -> 1.
  const STEPS = [0, 5, 10, 40, 55, 100, 120];

  it('constant ignores warmup', () => {
    expectClose(at('constant', WARMUP_10_TOTAL_100, STEPS), [1, 1, 1, 1, 1, 1, 1]);
  });

  it('constant_with_warmup', () => {
    expectClose(at('constant_with_warmup', WARMUP_10_TOTAL_100, STEPS), [0, 0.5, 1, 1, 1, 1, 1]);
  });

  it('linear: (total - step) / (total - warmup), floored at 0', () => {
    // 40 -> 60/90, 55 -> 45/90 = 0.5, 100 -> 0, 120 -> max(0, -20/90) = 0
    expectClose(at('linear', WARMUP_10_TOTAL_100, STEPS), [0, 0.5, 1, 60 / 90, 0.5, 0, 0]);
  });

  it('cosine: 0.5 * (1 + cos(pi * progress)) with progress = (step - warmup) / (total - warmup)', () => {
    // 40 -> progress 1/3 -> 0.5*(1 + cos(pi/3)) = 0.75; 55 -> progress 0.5 -> 0.5; 100 -> 0;
    // 120 -> progress 11/9: HF lets the half cosine come back up (0.5*(1 + cos(11pi/9))).
    expectClose(at('cosine', WARMUP_10_TOTAL_100, STEPS), [0, 0.5, 1, 0.75, 0.5, 0, 0.5 * (1 + Math.cos((11 * Math.PI) / 9))]);
  });

  it('cosine_with_min_lr: the cosine rescaled onto [min_lr_rate, 1]', () => {
    // rate 0.1: 40 -> 0.75*0.9 + 0.1 = 0.775; 55 -> 0.5*0.9 + 0.1 = 0.55; 100 -> 0.1 (the floor). Warmup is not floored.
    const byRate = at('cosine_with_min_lr', { ...WARMUP_10_TOTAL_100, minLrRate: 0.1 }, [0, 5, 10, 40, 55, 100]);
    expectClose(byRate, [0, 0.5, 1, 0.775, 0.55, 0.1]);
    // min_lr = 1e-4 with the optimizer's default lr 1e-3 is the same rate.
    const byLr = at('cosine_with_min_lr', { ...WARMUP_10_TOTAL_100, minLr: 1e-4, baseLr: 1e-3 }, [0, 5, 10, 40, 55, 100]);
    expectClose(byLr, byRate);
    const f = LR_SCHEDULES.cosine_with_min_lr({ ...WARMUP_10_TOTAL_100, minLrRate: 0.1 });
    for (let s = 10; s <= 100; s++) expect(f(s)).toBeGreaterThanOrEqual(0.1 - 1e-15);
  });

  it('cosine_with_min_lr needs exactly one of minLr / minLrRate', () => {
    expect(() => LR_SCHEDULES.cosine_with_min_lr(WARMUP_10_TOTAL_100)).toThrow(/minLr or minLrRate/);
    expect(() => LR_SCHEDULES.cosine_with_min_lr({ ...WARMUP_10_TOTAL_100, minLr: 1e-5, minLrRate: 0.1, baseLr: 1e-3 })).toThrow(/only one/);
  });

  it('cosine_with_restarts, polynomial and inverse_sqrt', () => {
    // restarts, 2 cycles: 40 -> progress 1/3 -> (2/3 % 1) -> 0.5*(1 + cos(2pi/3)) = 0.25; 55 -> restart -> 1; 100 -> 0
    expectClose(at('cosine_with_restarts', { ...WARMUP_10_TOTAL_100, numCycles: 2 }, [5, 40, 55, 100]), [0.5, 0.25, 1, 0]);
    // polynomial, power 2, lr 1e-3 -> 1e-7: 55 -> ((1e-3 - 1e-7) * 0.5^2 + 1e-7) / 1e-3 = 0.250075; past the end: 1e-4
    expectClose(at('polynomial', { ...WARMUP_10_TOTAL_100, power: 2, baseLr: 1e-3 }, [5, 10, 55, 100, 150]), [0.5, 1, 0.250075, 1e-4, 1e-4]);
    // inverse_sqrt, timescale = warmup = 10: 40 -> 1/sqrt(40/10) = 0.5
    expectClose(at('inverse_sqrt', { warmupSteps: 10 }, [5, 10, 40]), [0.5, 1, 0.5]);
  });

  it('decaying schedules require totalSteps', () => {
    for (const type of ['linear', 'cosine', 'cosine_with_restarts'] as const) {
      expect(() => LR_SCHEDULES[type]({ warmupSteps: 10 })).toThrow(/totalSteps/);
    }
  });

  it('knows HF names and computes warmup from a ratio like TrainingArguments', () => {
    expect(isLrSchedulerType('cosine_with_min_lr')).toBe(true);
    expect(isLrSchedulerType('reduce_lr_on_plateau')).toBe(false);
    expect(warmupStepsFor(1000, { warmupRatio: 0.03 })).toBe(30);
    expect(warmupStepsFor(1001, { warmupRatio: 0.03 })).toBe(31);
    expect(warmupStepsFor(1000, { warmupSteps: 7, warmupRatio: 0.5 })).toBe(7);
  });
});

describe('LrScheduler (LambdaLR)', () => {
  const makeOptimizer = () => {
    const a = Parameter.fromValues([1], [1]);
    const b = Parameter.fromValues([1], [1]);
    a.name = 'a';
    b.name = 'b';
    return new AdamW([
      { params: [a], lr: 1e-3 },
      { params: [b], lr: 1e-4 },
    ]);
  };

  it('applies initialLr * f(0) at construction and advances one step per step()', () => {
    const opt = makeOptimizer();
    const sched = new LrScheduler(opt, 'linear', WARMUP_10_TOTAL_100);
    expect(sched.lastStep).toBe(0);
    expect(sched.lastLrs).toEqual([0, 0]);
    for (let i = 0; i < 5; i++) sched.step();
    expect(sched.lastLr).toBeCloseTo(5e-4, 15);
    expect(sched.lastLrs[1]).toBeCloseTo(5e-5, 15);
    for (let i = 0; i < 50; i++) sched.step();
    expect(sched.lastLr).toBeCloseTo(5e-4, 15); // step 55 of linear decay: 0.5
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([1e-3, 1e-4]);
  });

  it('HF loop: the k-th optimizer step runs with initialLr * f(k)', () => {
    const opt = makeOptimizer();
    const sched = new LrScheduler(opt, 'cosine', { warmupSteps: 2, totalSteps: 6 });
    const f = LR_SCHEDULES.cosine({ warmupSteps: 2, totalSteps: 6 });
    for (let k = 0; k < 6; k++) {
      expect(opt.lr).toBeCloseTo(1e-3 * f(k), 15);
      // optimizer.step() would run here
      sched.step();
    }
  });

  it('cosine_with_min_lr converts minLr with the optimizer default lr', () => {
    const opt = new AdamW([Parameter.fromValues([1], [1])], { lr: 2e-3 });
    const sched = new LrScheduler(opt, 'cosine_with_min_lr', { warmupSteps: 0, totalSteps: 10, minLr: 2e-4 });
    for (let i = 0; i < 10; i++) sched.step();
    expect(sched.lastLr).toBeCloseTo(2e-4, 15);
  });

  it('round-trips its state dict', () => {
    const opt = makeOptimizer();
    const sched = new LrScheduler(opt, 'cosine', WARMUP_10_TOTAL_100);
    for (let i = 0; i < 37; i++) sched.step();
    const saved = JSON.parse(JSON.stringify(sched.stateDict()));

    const opt2 = makeOptimizer();
    const sched2 = new LrScheduler(opt2, 'cosine', WARMUP_10_TOTAL_100);
    sched2.loadStateDict(saved);
    expect(sched2.lastStep).toBe(37);
    expect(opt2.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
    sched.step();
    sched2.step();
    expect(sched2.lastLrs).toEqual(sched.lastLrs);
    expect(() => new LrScheduler(makeOptimizer(), 'linear', WARMUP_10_TOTAL_100).loadStateDict(saved)).toThrow(/'cosine'/);
  });
});
