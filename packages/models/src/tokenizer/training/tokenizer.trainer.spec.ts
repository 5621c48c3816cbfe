import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HfTokenizer } from '../hf-tokenizer.js';
import { tokenizerJsonOf, writeTokenizerFiles } from './tokenizer-json.writer.js';
import { type TrainProgress, type TrainTokenizerOptions, type TrainedTokenizer, trainTokenizer } from './tokenizer.trainer.js';
import { TRICKY_TEXTS, randomText } from './training.fixtures.js';

const SENTENCES = [
  'The tokenizer learns merges from the training text.',
  "It's a byte-level tokenizer, so nothing is unknown: 12345 apples, 678 pears.",
  'def tokenize(text):\n    return [t for t in text.split()]\n',
];

/** Random code points from every plane and category, surrogates left out (UTF-8 cannot hold a lone one). */
function randomUnicode(seed: number, length: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const r = s >>> 8;
    const cp = r % 4 === 0 ? r % 0x80 : r % 4 === 1 ? r % 0x800 : r % 4 === 2 ? r % 0x10000 : 0x10000 + (r % 0x100000);
    out += cp >= 0xd800 && cp <= 0xdfff ? ' ' : String.fromCodePoint(cp);
  }
  return out;
}

describe('trainTokenizer → tokenizer.json → @huggingface/tokenizers', () => {
  let dir: string;
  let corpus: string[];
  const train = (options: Partial<TrainTokenizerOptions>) => trainTokenizer({ files: corpus.map((path) => ({ path })), vocabSize: 400, ...options });
  const save = async (name: string, trained: TrainedTokenizer) => {
    await mkdir(join(dir, name));
    await writeTokenizerFiles(join(dir, name), trained);
    return HfTokenizer.fromDir(join(dir, name));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-train-tokenizer-'));
    const text = Array.from({ length: 200 }, (_, i) => SENTENCES[i % SENTENCES.length]).join('\n') + TRICKY_TEXTS.join('\n');
    await writeFile(join(dir, 'a.txt'), text);
    await writeFile(join(dir, 'b.jsonl'), SENTENCES.map((t) => `${JSON.stringify({ text: t })}\n`).join('').repeat(50));
    corpus = [join(dir, 'a.txt'), join(dir, 'b.jsonl')];
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('has exactly the vocabulary size asked for, and Hugging Face tokenizers loads it', async () => {
    const progress: TrainProgress[] = [];
    const trained = await train({ onProgress: (p) => progress.push(p) });
    const tokenizer = await save('default', trained);
    expect(tokenizer.vocabSize).toBe(400);
    expect(trained.model.merges).toHaveLength(400 - 256 - 1);
    expect(trained.stats.bytes).toBeGreaterThan(10_000);
    expect(progress.at(-1)).toEqual({ phase: 'merge', vocabSize: 400, targetSize: 400 });
    expect(progress.find((p) => p.phase === 'count' && p.bytes === trained.stats.bytes)).toBeDefined();
  });

  it('encodes and decodes every input losslessly: emoji, CJK, whitespace, control characters', async () => {
    const tokenizer = await save('lossless', await train({}));
    const texts = [...TRICKY_TEXTS, ...Array.from({ length: 30 }, (_, i) => randomUnicode(i + 1, 200)), randomText(5, [' ', '\n', '\t', 'a'], 500)];
    for (const text of texts) {
      const ids = tokenizer.encode(text);
      expect(tokenizer.decode(ids)).toBe(text);
    }
    // Text read from invalid UTF-8 (U+FFFD) round-trips as read.
    const fromBadBytes = new TextDecoder().decode(Uint8Array.from([0xff, 0x41, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]));
    expect(tokenizer.decode(tokenizer.encode(fromBadBytes))).toBe(fromBadBytes);
  });

  it('learns the corpus: its frequent words become single tokens', async () => {
    const tokenizer = await save('learnt', await train({}));
    expect(tokenizer.encode(' tokenizer').length).toBe(1);
    expect(tokenizer.encode('The tokenizer learns merges').length).toBeLessThanOrEqual(5);
    // Text it never saw falls back to bytes: one token per byte of "ż" (2 bytes).
    expect(tokenizer.encode('żżż').length).toBeGreaterThan(2);
  });

  it('encodes each special token as its single id, wherever it stands in the text', async () => {
    const tokenizer = await save('special', await train({ chatTemplate: 'chatml' }));
    expect(tokenizer.encode('<|endoftext|>')).toEqual([0]);
    const ids = tokenizer.encode('tokenizer<|im_start|>user\nhi<|im_end|><|endoftext|>');
    expect(ids.filter((id) => id < 3)).toEqual([1, 2, 0]);
    expect(tokenizer.decode(ids)).toBe('tokenizer<|im_start|>user\nhi<|im_end|><|endoftext|>');
  });

  it('writes a ChatML template with BOS/pad <|endoftext|> and EOS <|im_end|>', async () => {
    const tokenizer = await save('chatml', await train({ chatTemplate: 'chatml' }));
    expect([tokenizer.bosToken, tokenizer.eosToken, tokenizer.padToken]).toEqual(['<|endoftext|>', '<|im_end|>', '<|endoftext|>']);
    expect([tokenizer.bosTokenId, tokenizer.eosTokenId, tokenizer.padTokenId]).toEqual([0, 2, 0]);
    const rendered = tokenizer.applyChatTemplate([{ role: 'user', content: 'Hi!' }], { addGenerationPrompt: true });
    expect(rendered).toBe('<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n');
    expect(tokenizer.encodeChat([{ role: 'user', content: 'Hi!' }]).filter((id) => id < 3)).toEqual([1, 2]);
  });

  it('splits digits in threes with llama3 and keeps digit runs whole with gpt2', async () => {
    const llama3 = await save('llama3', await train({ preTokenizer: 'llama3' }));
    const gpt2 = await save('gpt2', await train({ preTokenizer: 'gpt2' }));
    // "12345" appears 100 times: gpt2 learns " 12345" as one token; llama3 can never cross 123|45.
    expect(gpt2.encode(' 12345').length).toBe(1);
    expect(llama3.encode(' 12345').map((id) => llama3.idToToken(id))).toEqual(['Ġ', '123', '45']);
  });

  it('is deterministic: the same corpus gives the same file', async () => {
    const [a, b] = [await train({}), await train({})];
    expect(JSON.stringify(tokenizerJsonOf(b))).toBe(JSON.stringify(tokenizerJsonOf(a)));
  });

  it('refuses a vocabulary smaller than the bytes and special tokens', async () => {
    await expect(train({ vocabSize: 258, chatTemplate: 'chatml' })).rejects.toThrow(
      'vocabulary size must be an integer from 259 (256 bytes + 3 special tokens) to 16777216, got 258',
    );
  });

  it('stops short of the size asked for when the corpus runs out of pairs', async () => {
    await writeFile(join(dir, 'tiny.txt'), 'ab ab ab');
    const trained = await trainTokenizer({ files: [{ path: join(dir, 'tiny.txt') }], vocabSize: 1000 });
    // "ab" and " ab": a·b, then Ġ·ab.
    expect(trained.model.merges).toEqual([
      ['a', 'b'],
      ['Ġ', 'ab'],
    ]);
    expect(trained.model.tokens).toHaveLength(259);
  });
});
