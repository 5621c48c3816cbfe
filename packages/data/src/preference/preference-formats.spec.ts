import { describe, expect, it } from 'vitest';
import { RecordView } from '../formats/record-view.js';
import type { DataRecord } from '../readers/reader.types.js';
import { extractPrompt } from './implicit-prompt.js';
import type { UnpairedExample } from './preference.types.js';
import { detectPreferenceFormat, pairedFormat, unpairedFormat } from './preference-formats.js';

const source = { file: 'prefs.jsonl', line: 7 };
const paired = (record: DataRecord, columns = {}) => pairedFormat.convert(new RecordView(record, source, columns));
const unpaired = (record: DataRecord) => unpairedFormat.convert(new RecordView(record, source)) as UnpairedExample;
const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });

describe('TRL preference formats', () => {
  it('reads an explicit prompt, text or messages, and the margin column', () => {
    expect(paired({ prompt: 'Sky?', chosen: ' Blue.', rejected: ' Red.', margin: 1.5 })).toEqual({ kind: 'paired', prompt: 'Sky?', chosen: ' Blue.', rejected: ' Red.', margin: 1.5, source });
    const chat = paired({ prompt: [user('Sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Red.')] });
    expect(chat).toEqual({ kind: 'paired', prompt: [user('Sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Red.')], source });
  });

  it('takes the shared prefix as the implicit prompt, leaving the space before the split to the completions (TRL’s extract_prompt)', () => {
    expect(paired({ chosen: 'The sky is blue.', rejected: 'The sky is red.' })).toMatchObject({ prompt: 'The sky is', chosen: ' blue.', rejected: ' red.' });
    const conversation = paired({ chosen: [user('Sky?'), assistant('Blue.')], rejected: [user('Sky?'), assistant('Red.')] });
    expect(conversation).toMatchObject({ prompt: [user('Sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Red.')] });
    // No space before the split: nothing moves.
    expect(extractPrompt('ab1', 'ab2')).toEqual({ prompt: 'ab', chosen: '1', rejected: '2' });
    // One a prefix of the other: TRL's loop stops at the shorter one's last index, which stays a completion.
    expect(extractPrompt('yes', 'yes sir')).toEqual({ prompt: 'ye', chosen: 's', rejected: 's sir' });
    expect(extractPrompt([user('Hi'), assistant('Hello.')], [user('Hi'), assistant('Hello.'), user('More?'), assistant('No.')])).toEqual({
      prompt: [user('Hi')],
      chosen: [assistant('Hello.')],
      rejected: [assistant('Hello.'), user('More?'), assistant('No.')],
    });
  });

  it('maps columns and reports errors in the data’s own names', () => {
    expect(paired({ question: 'Q', good: ' A', bad: ' B' }, { prompt: 'question', chosen: 'good', rejected: 'bad' })).toMatchObject({ prompt: 'Q', chosen: ' A', rejected: ' B' });
    expect(() => paired({ question: 'Q', good: 3, bad: ' B' }, { prompt: 'question', chosen: 'good', rejected: 'bad' })).toThrow('prefs.jsonl:7: good: expected a string or a list of messages, got 3');
  });

  it.each<[DataRecord, string]>([
    [{ prompt: 'Q', chosen: [assistant('A')], rejected: ' B' }, 'chosen: expected a string like prompt, got a list of messages'],
    [{ chosen: ' A', rejected: [assistant('B')] }, 'rejected: expected a string like chosen, got a list of messages'],
    [{ prompt: 'Q', chosen: ' A', rejected: ' B', margin: 'wide' }, 'margin: expected a number, got "wide"'],
    [{ prompt: [user('Q')], chosen: [{ role: 'bot', content: 'A' }], rejected: [assistant('B')] }, 'chosen[0].role: expected one of system|user|assistant, got "bot"'],
  ])('a bad paired row %j names file, line and field', (record, message) => {
    expect(() => paired(record)).toThrow(`prefs.jsonl:7: ${message}`);
  });

  it('reads unpaired rows (KTO) with a bool label, also written 0/1 or as CSV text', () => {
    expect(unpaired({ prompt: 'Q', completion: ' A', label: true })).toEqual({ kind: 'unpaired', prompt: 'Q', completion: ' A', label: true, source });
    expect(unpaired({ prompt: 'Q', completion: ' A', label: 0 }).label).toBe(false);
    expect(unpaired({ prompt: 'Q', completion: ' A', label: 'true' }).label).toBe(true);
    expect(() => unpaired({ prompt: 'Q', completion: ' A', label: 'maybe' })).toThrow('prefs.jsonl:7: label: expected true or false, got "maybe"');
    expect(() => unpaired({ completion: ' A', label: true })).toThrow('prefs.jsonl:7: prompt: expected a string or a list of messages, got nothing');
  });

  it('detects the format from its fields, or says what each needs', () => {
    expect(detectPreferenceFormat({ chosen: 'a', rejected: 'b' }, source).name).toBe('preference');
    expect(detectPreferenceFormat({ prompt: 'p', completion: 'c', label: false }, source).name).toBe('unpaired_preference');
    expect(detectPreferenceFormat({ good: 'a', bad: 'b' }, source, { chosen: 'good', rejected: 'bad' }).name).toBe('preference');
    expect(() => detectPreferenceFormat({ prompt: 'p', completion: 'c' }, source)).toThrow(
      'prefs.jsonl:7: cannot detect the preference format from fields [prompt, completion]; expected the fields of one of: preference (chosen, rejected); unpaired_preference (completion, label).',
    );
  });
});
