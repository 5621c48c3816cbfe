import { beforeAll, describe, expect, it } from 'vitest';
import { DecodeStream } from './decode-stream.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { GPT2_DIR, QWEN3_DIR } from './tokenizer.fixtures.js';

describe('DecodeStream', () => {
  let gpt2: HfTokenizer;
  let qwen3: HfTokenizer;
  beforeAll(async () => {
    [gpt2, qwen3] = await Promise.all([HfTokenizer.fromDir(GPT2_DIR), HfTokenizer.fromDir(QWEN3_DIR)]);
  });

  it('holds back an emoji split over byte tokens until its last byte arrives', () => {
    const ids = gpt2.encode('Hi 🦙!');
    // GPT-2 has no token for 🦙 (F0 9F A6 99): it arrives as ' ' + F0 9F, then A6, then 99.
    expect(ids).toEqual([17250, 12520, 99, 247, 0]);
    expect(gpt2.decode(ids.slice(0, 3))).toBe('Hi \ufffd'); // what a naive per-step decode would show
    const stream = new DecodeStream(gpt2);
    expect(ids.map((id) => stream.push(id))).toEqual(['Hi', '', '', ' 🦙', '!']);
    expect(stream.finish()).toBe('');
  });

  it('emits each part of a ZWJ sequence as soon as it is complete', () => {
    const stream = new DecodeStream(gpt2);
    const pieces = gpt2.encode('🧑‍🚀').map((id) => stream.push(id));
    expect(pieces.join('')).toBe('🧑‍🚀');
    expect(pieces.every((p) => !p.includes('\ufffd'))).toBe(true);
    expect(pieces.filter((p) => p !== '')).toEqual(['🧑', '\u200d', '🚀']);
  });

  it('reproduces the whole decode of a long mixed text, piece by piece', () => {
    const text = 'Streaming: naïve café, 日本語 and 𝄞 music — "quoted" text.\nNext line 👍🏽 end';
    const ids = qwen3.encode(text);
    const stream = new DecodeStream(qwen3);
    const pieces = ids.map((id) => stream.push(id));
    expect(pieces.join('') + stream.finish()).toBe(text);
    expect(pieces.some((p) => p.includes('\ufffd'))).toBe(false);
  });

  it('skips special tokens when asked', () => {
    const ids = qwen3.encode('<|im_start|>assistant\nDone.<|im_end|>');
    const stream = new DecodeStream(qwen3, { skipSpecialTokens: true });
    expect(ids.map((id) => stream.push(id)).join('')).toBe('assistant\nDone.');
  });

  it('gives back a character cut off at the end of generation on finish, then starts afresh', () => {
    const stream = new DecodeStream(gpt2);
    expect([17250, 12520, 99].map((id) => stream.push(id))).toEqual(['Hi', '', '']);
    expect(stream.finish()).toBe(' \ufffd');
    expect(stream.push(15496)).toBe('Hello');
  });
});
