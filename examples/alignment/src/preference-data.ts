/**
 * The alignment demonstration's preference set, from the quickstart task with a distractor: the
 * person has a second thing of another colour, and the question asks about one of them. The
 * chosen answer names the right colour, the rejected one the other colour in the story.
 */
import { COLORS } from '../../../scripts/quickstart/lexicon.js';
import { type QaExample, qaSplits, userPrompt } from '../../../scripts/quickstart/task.js';

export interface PreferenceItem {
  /** The user turn: the story and the question. */
  readonly prompt: string;
  /** The right colour and the distractor's, each with the leading space it has in the story. */
  readonly chosen: string;
  readonly rejected: string;
}

/** The colour in the story that is not the answer (the distractor's). */
function otherColour(e: QaExample): string {
  const answer = e.answer.trim();
  const found = COLORS.filter((c) => c !== answer && new RegExp(`\\b${c}\\b`).test(e.story));
  if (found.length !== 1) throw new Error(`expected one other colour in ${JSON.stringify(e.story)}, found ${found.join(', ') || 'none'}`);
  return ` ${found[0]}`;
}

const toItem = (e: QaExample): PreferenceItem => ({ prompt: userPrompt(e), chosen: e.answer, rejected: otherColour(e) });

/** Seeded train and held-out splits; held-out questions ask about (colour, thing) pairs no training story has. */
export function preferenceSplits(seed: number, train: number, test: number): { train: PreferenceItem[]; test: PreferenceItem[] } {
  const splits = qaSplits(seed, train, test, { distractor: true, extras: true });
  return { train: splits.train.map(toItem), test: splits.test.map(toItem) };
}

/** TRL's conversational paired format: `{prompt: [user], chosen: [assistant], rejected: [assistant]}`, one JSON line each. */
export const toPreferenceLine = (p: PreferenceItem): string =>
  JSON.stringify({ prompt: [{ role: 'user', content: p.prompt }], chosen: [{ role: 'assistant', content: p.chosen }], rejected: [{ role: 'assistant', content: p.rejected }] });
