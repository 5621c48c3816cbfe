/**
 * The alignment demonstration's preference set, from the quickstart's own conversations: the
 * chosen answer is the colour the story gives the thing asked about, the rejected one a colour the
 * story does not mention (drawn, seeded). The quickstart's stories hold one colour each; with a
 * second thing of another colour in the story (the distractor variant, see examples/README.md) a
 * reward model and DPO both stayed at chance in the first 25–50 steps on this machine.
 *
 * A training pair's rejected colour is also one the training stories give that thing. The
 * quickstart holds some (colour, thing) pairs out of every training story for its test; a rejected
 * answer naming one would put it back into training as a negative example, and the held-out
 * measures would then reward a model for having learnt "a blue bag is wrong" rather than for copying.
 */
import { COLORS } from '../../../scripts/quickstart/lexicon.js';
import { Draw } from '../../../scripts/quickstart/rng.js';
import { answerText, answeredColor, askedThing, pairKey } from '../../../scripts/quickstart/task.js';

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

const conversations = (text: string): Conversation[] => text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Conversation);

/** Every (colour, thing) pair a quickstart `messages` file answers with, as `colour thing` keys. */
export function answeredPairs(text: string): Set<string> {
  return new Set(conversations(text).map(({ messages: [user, assistant] }) => pairKey(answeredColor(assistant!.content), askedThing(user!.content))));
}

/**
 * A pair from one quickstart conversation (user story and question, assistant colour). The rejected
 * colour is absent from the story and, when `allowed` is given, forms one of those pairs with the thing.
 */
export function toItem(conversation: Conversation, d: Draw, allowed?: ReadonlySet<string>): PreferenceItem {
  const [user, assistant] = conversation.messages;
  const thing = askedThing(user!.content);
  const absent = COLORS.filter((c) => !new RegExp(`\\b${c}\\b`).test(user!.content));
  if (absent.length === COLORS.length) throw new Error(`no colour in ${JSON.stringify(user!.content)}`);
  const candidates = allowed ? absent.filter((c) => allowed.has(pairKey(c, thing))) : absent;
  if (candidates.length === 0) throw new Error(`no colour to reject for ${JSON.stringify(user!.content)}`);
  return { prompt: user!.content, chosen: assistant!.content, rejected: answerText(d.pick(candidates)) };
}

/**
 * Pairs from every line of a quickstart `messages` file, the rejected colours drawn from `seed`;
 * with `allowed`, only colours that form an allowed pair with the thing asked about.
 */
export function preferenceItems(text: string, seed: number, allowed?: ReadonlySet<string>): PreferenceItem[] {
  const d = new Draw(seed);
  return conversations(text).map((c) => toItem(c, d, allowed));
}

/** TRL's conversational paired format: `{prompt: [user], chosen: [assistant], rejected: [assistant]}`, one JSON line each. */
export const toPreferenceLine = (p: PreferenceItem): string =>
  JSON.stringify({ prompt: [{ role: 'user', content: p.prompt }], chosen: [{ role: 'assistant', content: p.chosen }], rejected: [{ role: 'assistant', content: p.rejected }] });
