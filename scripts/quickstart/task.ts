/**
 * The fine-tuning task: read a short story about one person and their things, answer
 * "What colour is the <thing>?" with the colour word alone ("red"). The answer is in the story,
 * right before the thing it names ("Mia has a red kite."), so it is learnt by finding the thing in
 * the context and copying the word in front of it. With `distractor` the person has a second thing
 * of another colour, so the model has to pick the colour of the thing asked about, not just the
 * only colour in the story.
 *
 * The stories come from the corpus's world and words, but the question-and-answer form never
 * appears in the corpus, so the base model scores near 0%. Held-out (colour, thing) pairs never
 * appear in any training story; every test question asks about one of them, so the test measures
 * copying, not remembering which colour a thing usually has.
 */
import { FILLERS, OPENINGS, type Owner, RECALLS, joinSentences, ownership } from './corpus.js';
import { COLORS, NAMES, SIZES, THINGS } from './lexicon.js';
import { Draw } from './rng.js';

type Thing = (typeof THINGS)[number];
type Color = (typeof COLORS)[number];

export interface QaExample {
  story: string;
  question: string;
  answer: string;
}

export interface TaskOptions {
  /** Give the person a second thing, of another colour and kind, that the question is not about. */
  distractor: boolean;
  /** Now and then open the story with a scene and close it with one more sentence. */
  extras: boolean;
}

/**
 * The quickstart's data (examples/data/quickstart-*.jsonl, written by scripts/quickstart/build-data.ts):
 * its seed, how many training and test examples, and the generator's options. The GRPO demo's prompts
 * (examples/grpo/build-prompts.ts) are drawn from the same seed past the training stories, so both
 * scripts read this one definition. The task is in its simplest form: one person, one thing. A second
 * thing of another colour (`distractor: true`) did not reach 70% within the quickstart's training budget.
 */
export const QUICKSTART_DATA: Readonly<{ seed: number; train: number; test: number; options: TaskOptions }> = {
  seed: 2024,
  train: 3_000,
  test: 200,
  options: { distractor: false, extras: true },
};

/**
 * The question and the answer as the task writes them, and their readers: whatever reads the data
 * back (the alignment demo's preference pairs) parses with these, so a change of wording here
 * cannot leave a parser elsewhere behind.
 */
export const questionText = (thing: string): string => `What colour is the ${thing}?`;
/** The colour word with the leading space it has in the story, so it is the story's token. */
export const answerText = (color: string): string => ` ${color}`;

const COLOR_ANSWERED: ReadonlyMap<string, Color> = new Map(COLORS.map((color) => [answerText(color), color]));

/** The thing a user turn (`userPrompt`: the story, then the question) asks about. */
export function askedThing(user: string): Thing {
  const thing = THINGS.find((t) => user.endsWith(questionText(t)));
  if (thing === undefined) throw new Error(`no "${questionText('…')}" question at the end of ${JSON.stringify(user)}`);
  return thing;
}

/** The colour an assistant turn (`answerText`) answers. */
export function answeredColor(answer: string): Color {
  const color = COLOR_ANSWERED.get(answer);
  if (color === undefined) throw new Error(`${JSON.stringify(answer)} is not a colour answer ("${answerText('…')}")`);
  return color;
}

/** Colours held out per thing: these (colour, thing) pairs are kept for the test set. */
const HELD_OUT_PER_THING = 2;

/** A (colour, thing) pair as one key, `colour thing`. */
export const pairKey = (color: string, thing: string): string => `${color} ${thing}`;

/** A seeded choice of held-out (colour, thing) pairs: for every thing, HELD_OUT_PER_THING colours. */
function heldOutPairs(d: Draw): Set<string> {
  const held = new Set<string>();
  for (const thing of THINGS) for (const color of d.distinct(COLORS, HELD_OUT_PER_THING)) held.add(pairKey(color, thing));
  return held;
}

/** A (colour, thing) pair inside (`held` true) or outside the held-out set. */
function pair(d: Draw, heldOut: Set<string>, held: boolean, avoid?: { color: string; thing: Thing }): { color: string; thing: Thing } {
  for (;;) {
    const color = d.pick(COLORS);
    const thing = d.pick(THINGS);
    if (heldOut.has(pairKey(color, thing)) !== held) continue;
    if (avoid && (color === avoid.color || thing === avoid.thing)) continue;
    return { color, thing };
  }
}

/**
 * One story and question. In a test example (`test` true) the asked-about pair is held out; in a
 * training example no pair in the story is.
 */
export function qaExample(d: Draw, heldOut: Set<string>, test: boolean, options: TaskOptions): QaExample {
  const name = d.pick(NAMES);
  const owner = (p: { color: string; thing: Thing }): Owner => ({ name, ...p, size: d.pick(SIZES) });
  const target = owner(pair(d, heldOut, test));
  const owned = [target];
  if (options.distractor) owned.push(owner(pair(d, heldOut, false, target)));

  const sentences: string[] = [];
  if (options.extras && d.chance(0.5)) sentences.push(d.pick(OPENINGS)(d, name));
  for (const o of d.distinct(owned, owned.length)) sentences.push(ownership(d, o));
  if (options.extras && d.chance(0.5)) {
    const other: Owner = { ...target, name: d.pick(NAMES.filter((n) => n !== name)) };
    sentences.push(d.chance(0.5) ? d.pick(RECALLS)(d, d.pick(owned)) : d.pick(FILLERS)(d, target, other));
  }
  return { story: joinSentences(sentences), question: questionText(target.thing), answer: answerText(target.color) };
}

/**
 * `train` and `test` examples from one seed. Test questions ask only about held-out pairs, which no
 * training story contains, so every test example is unseen.
 */
export function qaSplits(seed: number, train: number, test: number, options: TaskOptions): { train: QaExample[]; test: QaExample[] } {
  const d = new Draw(seed);
  const heldOut = heldOutPairs(d);
  return {
    train: Array.from({ length: train }, () => qaExample(d, heldOut, false, options)),
    test: Array.from({ length: test }, () => qaExample(d, heldOut, true, options)),
  };
}

/** The user turn: the story, then the question on its own line. */
export const userPrompt = (e: QaExample): string => `${e.story}\n${e.question}`;

/**
 * A quickstart data file: one OpenAI chat `messages` line per example, the user turn, then the
 * answer as the assistant turn (with its leading space, so it is the story's token).
 */
export const messagesJsonl = (examples: readonly QaExample[]): string =>
  `${examples.map((e) => JSON.stringify({ messages: [{ role: 'user', content: userPrompt(e) }, { role: 'assistant', content: e.answer }] })).join('\n')}\n`;
