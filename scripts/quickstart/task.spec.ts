import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { QUICKSTART_DATA, messagesJsonl, qaSplits } from './task.js';

const dataFile = (name: string): string => readFileSync(new URL(`../../examples/data/${name}.jsonl`, import.meta.url), 'utf8');

describe('QUICKSTART_DATA', () => {
  it('is what examples/data/quickstart-{train,test}.jsonl were generated from, byte for byte', () => {
    const { seed, train, test, options } = QUICKSTART_DATA;
    const splits = qaSplits(seed, train, test, options);
    expect(messagesJsonl(splits.train)).toBe(dataFile('quickstart-train'));
    expect(messagesJsonl(splits.test)).toBe(dataFile('quickstart-test'));
  });
});
