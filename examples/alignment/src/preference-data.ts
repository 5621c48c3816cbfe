/**
 * The alignment demonstration's preference set, from the quickstart's own conversations: the
 * chosen answer is the colour the story gives the thing asked about, the rejected one a colour the
 * story does not mention (drawn, seeded). The quickstart's stories hold one colour each; with a
 * second thing of another colour in the story (the distractor variant, see examples/README.md) a
 * reward model and DPO both stayed at chance in the first 25–50 steps on this machine.
 */
import { COLORS } from '../../../scripts/quickstart/lexicon.js';
import { Draw } from '../../../scripts/quickstart/rng.js';

export interface PreferenceItem {
  /** The user turn: the story and the question. */
  readonly prompt: string;
  /** The right colour and the wrong one, each with the leading space it has in a story. */
  readonly chosen: string;
  readonly rejected: string;
}

interface Conversation {
  readonly messages: readonly { readonly role: string; readonly content: string }[];
}

/** A pair from one quickstart conversation (user story and question, assistant colour). */
export function toItem(line: string, d: Draw): PreferenceItem {
  const { messages } = JSON.parse(line) as Conversation;
  const [user, assistant] = messages;
  const absent = COLORS.filter((c) => !new RegExp(`\\b${c}\\b`).test(user.content));
  if (absent.length === COLORS.length) throw new Error(`no colour in ${JSON.stringify(user.content)}`);
  return { prompt: user.content, chosen: assistant.content, rejected: ` ${d.pick(absent)}` };
}

/** Pairs from every line of a quickstart `messages` file, the rejected colours drawn from `seed`. */
export function preferenceItems(text: string, seed: number): PreferenceItem[] {
  const d = new Draw(seed);
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => toItem(l, d));
}

/** TRL's conversational paired format: `{prompt: [user], chosen: [assistant], rejected: [assistant]}`, one JSON line each. */
export const toPreferenceLine = (p: PreferenceItem): string =>
  JSON.stringify({ prompt: [{ role: 'user', content: p.prompt }], chosen: [{ role: 'assistant', content: p.chosen }], rejected: [{ role: 'assistant', content: p.rejected }] });
