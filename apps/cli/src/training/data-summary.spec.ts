import type { DatasetConfig, DatasetStats, LoadedDataset } from '@tunekit/data';
import { describe, expect, it } from 'vitest';
import { dataWarnings, describeData } from './data-summary.js';

const STATS: DatasetStats = {
  rows: 51,
  skipped: 0,
  truncated: 3,
  untrainable: 1,
  invalidUtf8Lines: 0,
  firstInvalidUtf8: null,
  format: 'prompt_completion',
  trainExamples: 50,
  validationExamples: 0,
  trainRows: 50,
  validationRows: 0,
  tokens: 0,
  trainedTokens: 0,
  badRowSamples: [],
};

const loaded = (stats: Partial<DatasetStats>, config: Partial<DatasetConfig> = {}): LoadedDataset =>
  ({ stats: { ...STATS, ...stats }, config: { format: 'auto', max_length: 64, packing: false, ...config } }) as unknown as LoadedDataset;

describe('the data line of a run', () => {
  it('accounts for every row of the file: kept, dropped with nothing to train, skipped', () => {
    expect(describeData(loaded({}))).toBe('data: 51 rows read: 50 training examples (prompt_completion), 3 truncated to 64 tokens, 1 dropped with no token left to train');
    expect(describeData(loaded({ rows: 60, skipped: 2, untrainable: 0, truncated: 0, validationExamples: 8, trainRows: 12 }, { packing: true }))).toBe(
      'data: 60 rows read: 50 training examples (prompt_completion), packed into 12 rows, 8 validation examples, 2 bad rows skipped',
    );
  });

  it('warns about bytes that are not UTF-8, naming the first line, and says nothing for a clean file', () => {
    expect(dataWarnings(loaded({}))).toEqual([]);
    expect(dataWarnings(loaded({ invalidUtf8Lines: 2, firstInvalidUtf8: 'train.jsonl:7' }))).toEqual([
      '2 lines of the data hold bytes that are not UTF-8, read as U+FFFD (first: train.jsonl:7); set data.strict_utf8: true to refuse them',
    ]);
  });
});
