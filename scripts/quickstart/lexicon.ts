/**
 * The small world the quickstart's corpus and task are written in: people, the things they own,
 * colours and places. The corpus (pretraining) and the task (fine-tuning) share it, so the base
 * model already knows every word the task uses; what it lacks is the task itself.
 */

export const NAMES = [
  'Tom', 'Mia', 'Sam', 'Ann', 'Ben', 'Lily', 'Max', 'Zoe', 'Leo', 'Emma', 'Jack', 'Lucy', 'Noah', 'Ella',
  'Owen', 'Ruby', 'Finn', 'Nora', 'Jake', 'Rosa', 'Luke', 'Ivy', 'Dan', 'Kate', 'Paul', 'Jane', 'Adam', 'Eva',
  'Hugo', 'Lena', 'Carl', 'Tina',
] as const;

export const COLORS = ['red', 'blue', 'green', 'yellow', 'black', 'white', 'pink', 'brown', 'orange', 'purple'] as const;

/** Things a person can have. */
export const THINGS = [
  'ball', 'kite', 'hat', 'cup', 'book', 'box', 'bike', 'boat', 'car', 'bag', 'drum', 'sock', 'coat', 'pen',
  'ring', 'doll', 'train', 'bell', 'lamp', 'cap',
] as const;

export const PLACES = ['park', 'shop', 'school', 'garden', 'beach', 'farm', 'lake', 'forest', 'house', 'zoo'] as const;

export const ANIMALS = ['dog', 'cat', 'bird', 'fish', 'duck', 'frog', 'horse', 'cow', 'pig', 'hen'] as const;

export const SIZES = ['big', 'small', 'little', 'new', 'tiny'] as const;

export const FEELINGS = ['happy', 'sad', 'tired', 'hungry', 'glad', 'sleepy'] as const;

export const WEATHER = ['sunny', 'warm', 'cold', 'windy', 'rainy', 'nice'] as const;

/** Verbs done to a thing (third person singular present). */
export const THING_VERBS = ['likes', 'holds', 'finds', 'loses', 'washes', 'shows', 'takes', 'drops', 'picks up', 'looks at'] as const;

/** What is done with each thing, for sentences that mention an owned thing again. */
export const USES: Readonly<Record<(typeof THINGS)[number], string>> = {
  ball: 'throws', kite: 'flies', hat: 'wears', cup: 'fills', book: 'reads', box: 'opens', bike: 'rides',
  boat: 'sails', car: 'pushes', bag: 'packs', drum: 'plays', sock: 'wears', coat: 'wears', pen: 'uses',
  ring: 'wears', doll: 'hugs', train: 'pushes', bell: 'rings', lamp: 'cleans', cap: 'wears',
};
