import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COLORS, THINGS } from './lexicon.js';
import { Draw } from './rng.js';
import { QUICKSTART_DATA, answerText, answeredColor, askedThing, messagesJsonl, qaExample, qaSplits, questionText, userPrompt } from './task.js';

const dataFile = (name: string): string => readFileSync(new URL(`../../examples/data/${name}.jsonl`, import.meta.url), 'utf8');

describe('QUICKSTART_DATA', () => {
  it('is what examples/data/quickstart-{train,test}.jsonl were generated from, byte for byte', () => {
    const { seed, train, test, options } = QUICKSTART_DATA;
    const splits = qaSplits(seed, train, test, options);
    expect(messagesJsonl(splits.train)).toBe(dataFile('quickstart-train'));
    expect(messagesJsonl(splits.test)).toBe(dataFile('quickstart-test'));
  });
});

describe('the question and answer format', () => {
  it('reads back every thing and colour the generator writes, after a story of one or more lines', () => {
    for (const thing of THINGS) {
      for (const color of COLORS) {
        for (const story of [`Mia has a ${color} ${thing}.`, `It is a sunny day.\nMia has a ${color} ${thing}. She likes it.`]) {
          expect(askedThing(userPrompt({ story, question: questionText(thing), answer: answerText(color) }))).toBe(thing);
        }
        expect(answeredColor(answerText(color))).toBe(color);
      }
    }
  });

  it('reads the asked-about pair of generated examples, with and without a distractor, as the story gives it', () => {
    for (const distractor of [false, true]) {
      const d = new Draw(7);
      for (let i = 0; i < 200; i++) {
        const e = qaExample(d, new Set(), false, { distractor, extras: true });
        const color = answeredColor(e.answer);
        const thing = askedThing(userPrompt(e));
        // The story names the asked-about pair as "<colour> <thing>" (a size goes before the colour).
        expect(e.story).toMatch(new RegExp(`\\b${color} ${thing}\\b`));
      }
    }
  });

  it('refuses a user turn that does not end in a question about a thing, and an answer that is not a colour', () => {
    expect(() => askedThing(`${questionText('kite')}\nThanks.`)).toThrow(`no "${questionText('…')}" question at the end of`);
    expect(() => askedThing(questionText('sky'))).toThrow(/question at the end/);
    expect(() => answeredColor('red')).toThrow(/"red" is not a colour answer/);
    expect(() => answeredColor(' teal')).toThrow(/not a colour answer/);
  });
});
