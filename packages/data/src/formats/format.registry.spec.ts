import { describe, expect, it } from 'vitest';
import type { DataRecord } from '../readers/reader.types.js';
import { detectFormat, formatByName, FORMATS } from './format.registry.js';
import type { ColumnMap, FormatName } from './format.types.js';
import { RecordView } from './record-view.js';

const source = { file: 'data/train.jsonl', line: 1289 };
const convert = (name: FormatName, record: DataRecord, columns: ColumnMap = {}) => formatByName(name).convert(new RecordView(record, source, columns));

describe('record formats', () => {
  it('messages: keeps roles and content, joining OpenAI text parts', () => {
    const record = {
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi ' }, { type: 'text', text: 'there' }] },
        { role: 'assistant', content: 'Hello.' },
      ],
    };
    expect(convert('messages', record)).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi there' },
        { role: 'assistant', content: 'Hello.' },
      ],
    });
  });

  it('messages: a bad role fails with the exact file:line: field: expected ..., got ... text', () => {
    const record = { messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'bot', content: 'c' }] };
    expect(() => convert('messages', record)).toThrow('data/train.jsonl:1289: messages[2].role: expected one of system|user|assistant, got "bot"');
  });

  it.each([
    [{ messages: 'hi' }, 'messages: expected an array, got "hi"'],
    [{ messages: [null] }, 'messages[0]: expected an object, got null'],
    [{ messages: [{ role: 'user', content: 3 }] }, 'messages[0].content: expected a string, got 3'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url' }] }] }, 'messages[0].content[0]: expected a text part'],
    [{ messages: [{ role: 'user', content: 'only a question' }] }, 'messages: expected at least one assistant message, got none'],
  ])('messages: %j fails naming the field', (record, message) => {
    expect(() => convert('messages', record)).toThrow(`data/train.jsonl:1289: ${message}`);
  });

  it('sharegpt: maps human/gpt/system to chat roles', () => {
    const record = { conversations: [{ from: 'system', value: 'S' }, { from: 'human', value: 'Q' }, { from: 'gpt', value: 'A' }] };
    expect(convert('sharegpt', record)).toEqual({
      kind: 'chat',
      messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }, { role: 'assistant', content: 'A' }],
    });
    expect(() => convert('sharegpt', { conversations: [{ from: 'bot', value: 'x' }] })).toThrow(
      'data/train.jsonl:1289: conversations[0].from: expected one of human|gpt|system|user|assistant, got "bot"',
    );
  });

  it('alpaca: instruction and input make the user turn, output the assistant turn, system is optional', () => {
    expect(convert('alpaca', { instruction: 'Translate.', input: 'cheese', output: 'fromage', system: 'You translate.' })).toEqual({
      kind: 'chat',
      messages: [
        { role: 'system', content: 'You translate.' },
        { role: 'user', content: 'Translate.\ncheese' },
        { role: 'assistant', content: 'fromage' },
      ],
    });
    expect(convert('alpaca', { instruction: 'Name a colour.', input: '', output: 'Blue.' })).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'Name a colour.' }, { role: 'assistant', content: 'Blue.' }],
    });
    expect(() => convert('alpaca', { instruction: 'x', output: 5 })).toThrow('data/train.jsonl:1289: output: expected a string, got 5');
  });

  it('prompt_completion and text', () => {
    expect(convert('prompt_completion', { prompt: '2+2=', completion: '4' })).toEqual({ kind: 'completion', prompt: '2+2=', completion: '4' });
    expect(convert('text', { text: 'Once upon a time' })).toEqual({ kind: 'text', text: 'Once upon a time' });
    expect(() => convert('text', {})).toThrow('data/train.jsonl:1289: text: expected a string, got nothing');
  });

  it('column mapping renames top-level and message fields, and errors use the data’s names', () => {
    const record = { question: 'Q?', answer: 'A.' };
    expect(convert('alpaca', record, { instruction: 'question', output: 'answer' })).toEqual({
      kind: 'chat',
      messages: [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A.' }],
    });
    const chat = { dialog: [{ speaker: 'user', says: 'hi' }, { speaker: 'robot', says: 'yo' }] };
    expect(() => convert('messages', chat, { messages: 'dialog', role: 'speaker', content: 'says' })).toThrow(
      'data/train.jsonl:1289: dialog[1].speaker: expected one of system|user|assistant, got "robot"',
    );
  });

  it('reads message lists stored as JSON text (CSV cells)', () => {
    const record = { messages: JSON.stringify([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]) };
    expect(convert('messages', record)).toMatchObject({ kind: 'chat', messages: [{ role: 'user' }, { role: 'assistant' }] });
  });
});

describe('detectFormat', () => {
  it.each<[DataRecord, FormatName]>([
    [{ messages: [], text: 'rendered copy' }, 'messages'],
    [{ conversations: [] }, 'sharegpt'],
    [{ instruction: 'i', input: '', output: 'o' }, 'alpaca'],
    [{ prompt: 'p', completion: 'c' }, 'prompt_completion'],
    [{ text: 't' }, 'text'],
  ])('%j is %s', (record, name) => {
    expect(detectFormat(record, source).name).toBe(name);
  });

  it('detects through a column mapping', () => {
    expect(detectFormat({ question: 'q', answer: 'a' }, source, { prompt: 'question', completion: 'answer' }).name).toBe('prompt_completion');
  });

  it('names the fields it saw and what each format needs when nothing matches', () => {
    expect(() => detectFormat({ q: 1, a: 2 }, source)).toThrow(
      'data/train.jsonl:1289: cannot detect the record format from fields [q, a]; expected the fields of one of: messages (messages); sharegpt (conversations); alpaca (instruction, output); prompt_completion (prompt, completion); text (text).',
    );
  });

  it('has one format per name', () => {
    expect(new Set(FORMATS.map((f) => f.name)).size).toBe(FORMATS.length);
  });
});
