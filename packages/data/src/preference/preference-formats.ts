import { describeValue, type RecordSource } from '../errors.js';
import { detectByFields } from '../formats/detect-by-fields.js';
import type { ColumnMap } from '../formats/format.types.js';
import { readMessages } from '../formats/messages.format.js';
import type { RecordView } from '../formats/record-view.js';
import type { DataRecord } from '../readers/reader.types.js';
import { extractPrompt } from './implicit-prompt.js';
import type { PreferenceExample, Turn } from './preference.types.js';

/** TRL's dataset types for preference training: paired (DPO, reward models) and unpaired (KTO). */
export type PreferenceFormatName = 'preference' | 'unpaired_preference';

export interface PreferenceFormat {
  readonly name: PreferenceFormatName;
  /** Fields whose presence identifies the format (after column mapping). */
  readonly signature: readonly string[];
  /** Validates and converts, throwing a DataRowError that names the field. */
  convert(row: RecordView): PreferenceExample;
}

/** Text, or (an array) a conversation: TRL's standard and conversational forms. */
function readTurn(row: RecordView, field: string): Turn {
  const value = row.record[row.name(field)];
  if (Array.isArray(value)) return readMessages(row, field);
  if (typeof value !== 'string') throw row.error(row.name(field), `expected a string or a list of messages, got ${describeValue(value)}`);
  return value;
}

/** Every turn of one example is text, or every one is messages: a chat template cannot render half a row. */
function sameForm(row: RecordView, turns: Readonly<Record<string, Turn>>): void {
  const [first, ...rest] = Object.entries(turns);
  const form = (t: Turn) => (typeof t === 'string' ? 'a string' : 'a list of messages');
  for (const [field, turn] of rest) {
    if (form(turn) !== form(first[1])) throw row.error(row.name(field), `expected ${form(first[1])} like ${row.name(first[0])}, got ${form(turn)}`);
  }
}

function optionalNumber(row: RecordView, field: string): number | undefined {
  const value = row.record[row.name(field)];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw row.error(row.name(field), `expected a number, got ${describeValue(value)}`);
  return n;
}

/** TRL's `label` is a bool; 0/1 (and CSV's "true"/"false") are read as one. */
const LABELS: ReadonlyMap<unknown, boolean> = new Map<unknown, boolean>([
  [true, true],
  [false, false],
  [1, true],
  [0, false],
  ['true', true],
  ['false', false],
]);

/** `{prompt?, chosen, rejected, margin?}`; without a prompt, the shared prefix of chosen and rejected is the prompt. */
export const pairedFormat: PreferenceFormat = {
  name: 'preference',
  signature: ['chosen', 'rejected'],
  convert(row) {
    const chosen = readTurn(row, 'chosen');
    const rejected = readTurn(row, 'rejected');
    const margin = optionalNumber(row, 'margin');
    const base = { kind: 'paired' as const, source: row.source, ...(margin === undefined ? {} : { margin }) };
    if (!row.has('prompt')) {
      sameForm(row, { chosen, rejected });
      return { ...base, ...extractPrompt(chosen, rejected) };
    }
    const prompt = readTurn(row, 'prompt');
    sameForm(row, { prompt, chosen, rejected });
    return { ...base, prompt, chosen, rejected };
  },
};

/** `{prompt, completion, label}` (KTO): one completion, labelled desirable or not. */
export const unpairedFormat: PreferenceFormat = {
  name: 'unpaired_preference',
  signature: ['completion', 'label'],
  convert(row) {
    const prompt = readTurn(row, 'prompt');
    const completion = readTurn(row, 'completion');
    sameForm(row, { prompt, completion });
    const raw = row.record[row.name('label')];
    const label = LABELS.get(raw);
    if (label === undefined) throw row.error(row.name('label'), `expected true or false, got ${describeValue(raw)}`);
    return { kind: 'unpaired', prompt, completion, label, source: row.source };
  },
};

/** Every preference format, in detection order. */
export const PREFERENCE_FORMATS: readonly PreferenceFormat[] = [pairedFormat, unpairedFormat];
export const PREFERENCE_FORMAT_NAMES: readonly PreferenceFormatName[] = PREFERENCE_FORMATS.map((f) => f.name);

export function preferenceFormatByName(name: string): PreferenceFormat | undefined {
  return PREFERENCE_FORMATS.find((f) => f.name === name);
}

/** The first preference format whose signature fields are all present (after column mapping). */
export function detectPreferenceFormat(record: DataRecord, source: RecordSource, columns: ColumnMap = {}): PreferenceFormat {
  return detectByFields(PREFERENCE_FORMATS, 'preference format', record, source, columns);
}
