// Reward functions for the GRPO demo, called as TRL calls them: one list entry per completion, the
// dataset's other columns (`answer`) repeated for each completion of their prompt.
import type { RewardInputs } from '@tunekit/rlhf';

/** The completion's text of a conversational prompt is its one assistant message. */
const textOf = (completion: RewardInputs['completions'][number]): string => (typeof completion === 'string' ? completion : (completion[0]?.content ?? ''));

/** 1 when the answer is exactly the expected colour word (spaces trimmed), else 0: the quickstart's exact match. */
export function exactMatch({ completions, answer }: RewardInputs): number[] {
  return completions.map((c, i) => (textOf(c).trim() === String(answer[i]).trim() ? 1 : 0));
}
