import { describe, expect, it } from 'vitest';
import { combineRewards, groupAdvantages, leaveOneOutAdvantages, normalizeThenSumAdvantages } from './advantages.js';

// Two prompts, four completions each; the second group has one unscorable completion (NaN) and three equal rewards.
const REWARDS = [1, 0, 0.5, 1, NaN, 2, 2, 2];
const close = (xs: number[]) => xs.map((x) => expect.closeTo(x, 9));

describe('advantages (TRL 1.9, written out with numpy)', () => {
  it('GRPO scale_rewards group | batch | none: centred on the group mean, scaled by the group or batch deviation + 1e-4', () => {
    const group = groupAdvantages(REWARDS, 4, 'group');
    expect(group.advantages).toEqual(close([0.7831858496123865, -1.3053097493539774, -0.2610619498707955, 0.7831858496123865, 0, 0, 0, 0]));
    // The second group's deviation is 0: four of eight completions.
    expect(group.fracZeroStd).toBe(0.5);
    expect(groupAdvantages(REWARDS, 4, 'batch').advantages).toEqual(close([0.46337851983977457, -0.7722975330662909, -0.1544595066132582, 0.46337851983977457, 0, 0, 0, 0]));
    expect(groupAdvantages(REWARDS, 4, 'none').advantages).toEqual(close([0.375, -0.625, -0.125, 0.375, 0, 0, 0, 0]));
  });

  it("RLOO: reward minus the mean of the prompt's other scorable completions, optionally normalised", () => {
    expect(leaveOneOutAdvantages(REWARDS, 4, false)).toEqual(close([0.5, -0.8333333333333334, -0.16666666666666663, 0.5, 0, 0, 0, 0]));
    expect(leaveOneOutAdvantages(REWARDS, 4, true)).toEqual(close([1.1075780186405517, -1.8459633644009197, -0.36919267288018387, 1.1075780186405517, 0, 0, 0, 0]));
  });

  it('multi_objective_aggregation normalize_then_sum: each function normalised in its group, the weighted sum over the batch', () => {
    // Function 2 judges only one completion of the second group (its normalised value is NaN there and adds
    // nothing); completion 7 is judged by neither function and gets 0.
    const perFunction = [
      [1, 0, 1, 1, 0, 0, null, 1],
      [0.5, 2.5, null, 1.5, null, null, null, 3],
    ];
    const out = normalizeThenSumAdvantages(perFunction, [1, 0.5], 4);
    expect(out.advantages).toEqual(
      close([-6.545018292408657e-5, -1.309069108663909, 0.6545672794234165, 0.6545672794234165, -0.7558494388305594, -0.7558494388305594, 0, 1.511698877661119]),
    );
    expect(out.fracZeroStd).toBe(0);
    // Equal sums everywhere: the batch deviation is 0, every advantage 0.
    expect(normalizeThenSumAdvantages([[1, 1, 2, 2]], [1], 2)).toEqual({ advantages: [0, 0, 0, 0], fracZeroStd: 1 });
    expect(() => normalizeThenSumAdvantages([[1, 2]], [1, 1], 2)).toThrow(/1 reward functions but 2 weights/);
  });

  it('combines reward functions by weight, skipping nulls; a completion no function judged is NaN', () => {
    expect(combineRewards([[1, null, 0], [0.5, null, null]], [1, 2])).toEqual([2, NaN, 0]);
    expect(() => combineRewards([[1]], [1, 1])).toThrow(/1 reward functions but 2 weights/);
    expect(() => groupAdvantages([1, 2, 3], 2, 'group')).toThrow(/groups of 2/);
  });
});
