/**
 * The pretraining corpus: short, seeded stories in simple English, one per line. They teach the
 * base model the words of the quickstart's world and, above all, to keep track of who owns what:
 * a thing introduced early ("Mia has a blue kite.") comes back later, by its owner ("Mia flies the
 * blue kite.") or by itself ("The blue kite belongs to Mia."). Questions and answers never appear,
 * so answering them is left for the fine-tune to teach.
 */
import { ANIMALS, COLORS, FEELINGS, NAMES, PLACES, SIZES, THING_VERBS, THINGS, USES, WEATHER } from './lexicon.js';
import { Draw } from './rng.js';

type Thing = (typeof THINGS)[number];

/** One person and the thing they own in a story. */
export interface Owner {
  name: string;
  color: string;
  thing: Thing;
  size: string;
}

const capitalize = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** "a" or "an", by the sound of the next word (first letter is close enough here). */
const withArticle = (words: string): string => `${/^[aeiou]/.test(words) ? 'an' : 'a'} ${words}`;

/** "Tom has a red ball." or, now and then, "Tom has a big red ball." */
export const ownership = (d: Draw, o: Owner): string => `${o.name} has ${withArticle(`${d.chance(0.2) ? `${o.size} ` : ''}${o.color} ${o.thing}`)}.`;

/** Ways a story opens: where and when. */
export const OPENINGS: ((d: Draw, who: string) => string)[] = [
  (d) => `It is ${withArticle(d.pick(WEATHER))} day.`,
  (d, who) => `One day ${who} goes to the ${d.pick(PLACES)}.`,
  (d) => `The kids are at the ${d.pick(PLACES)}.`,
  (d, who) => `${who} is ${d.pick(FEELINGS)} today.`,
];

/** Sentences that bring an owned thing back: each one is true of the story's owners. */
export const RECALLS: ((d: Draw, o: Owner) => string)[] = [
  (_d, o) => `${o.name} ${USES[o.thing]} the ${o.color} ${o.thing}.`,
  (d, o) => `${o.name} ${d.pick(THING_VERBS)} the ${o.color} ${o.thing}.`,
  (_d, o) => `The ${o.color} ${o.thing} belongs to ${o.name}.`,
  (_d, o) => `${o.name} loves the ${o.color} ${o.thing}.`,
  (_d, o) => `The ${o.thing} of ${o.name} is ${o.color} and ${o.size}.`,
];

/** Sentences about other things, so not every line is about owning. */
export const FILLERS: ((d: Draw, o: Owner, other: Owner) => string)[] = [
  (d, o) => `${o.name} sees ${withArticle(`${d.pick(SIZES)} ${d.pick(ANIMALS)}`)}.`,
  (d) => `The ${d.pick(ANIMALS)} is ${d.pick(FEELINGS)}.`,
  (d, o, other) => `${o.name} and ${other.name} go to the ${d.pick(PLACES)}.`,
  (d, o) => `${o.name} is ${d.pick(FEELINGS)}.`,
  (d, o, other) => `${o.name} plays with ${other.name}.`,
  (d) => `It is ${d.pick(WEATHER)} at the ${d.pick(PLACES)}.`,
];

/** A story of 1-4 owners: openings, ownership, then recalls mixed with fillers and a hand-over. */
/** Sentences as one line of text, each starting with a capital. */
export const joinSentences = (sentences: readonly string[]): string => sentences.map(capitalize).join(' ');

export function story(d: Draw): string {
  const owners: Owner[] = d.distinct(NAMES, d.between(1, 4)).map((name) => ({ name, color: d.pick(COLORS), thing: d.pick(THINGS), size: d.pick(SIZES) }));
  const sentences: string[] = [];
  if (d.chance(0.7)) sentences.push(d.pick(OPENINGS)(d, owners[0].name));
  for (const o of owners) sentences.push(ownership(d, o));
  const later = d.between(2, 5);
  for (let i = 0; i < later; i++) {
    const o = d.pick(owners);
    const other = d.pick(owners.length > 1 ? owners.filter((p) => p !== o) : [{ ...o, name: d.pick(NAMES.filter((n) => n !== o.name)) }]);
    const roll = d.int(10);
    if (roll < 6) sentences.push(d.pick(RECALLS)(d, o));
    else if (roll < 9 || owners.length < 2) sentences.push(d.pick(FILLERS)(d, o, other));
    else {
      // A hand-over changes the owner; later sentences must follow it.
      sentences.push(`${o.name} gives the ${o.color} ${o.thing} to ${other.name}.`, `Now ${other.name} has the ${o.color} ${o.thing}.`);
      o.name = other.name;
    }
  }
  return joinSentences(sentences);
}

/** `count` stories from `seed`: the same seed gives the same corpus, byte for byte. */
export function corpus(seed: number, count: number): string[] {
  const d = new Draw(seed);
  return Array.from({ length: count }, () => story(d));
}
