import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from '../testing/cli.test-support.js';

const PROSE = 'The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs!\n';

describe('tunekit tokenizer train', () => {
  let root: string;
  const path = (name: string) => join(root, name);
  const train = (args: string[]) => runCli(['tokenizer', 'train', ...args], { cwd: root });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-cli-tokenizer-'));
    await writeFile(path('prose.txt'), PROSE.repeat(200));
    await writeFile(path('chat-1.jsonl'), `${JSON.stringify({ content: 'fox and dog 🦊🐕' })}\n`.repeat(20));
    await writeFile(path('chat-2.jsonl'), `${JSON.stringify({ content: '東京の犬' })}\n`.repeat(20));
    await writeFile(path('extra.txt'), 'jumps jumps jumps\n');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('writes a folder that HfTokenizer loads, with the vocabulary size asked for, lossless on any text', async () => {
    const run = await train(['--data', 'prose.txt', '--data', 'chat-*.jsonl', 'extra.txt', '--text-field', 'content', '--vocab-size', '300', '--out', 'tok', '--chat-template', 'chatml']);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    expect(run.stdout).toMatch(/^wrote tok: vocab 300 \(3 special, 256 bytes, 41 merges\), [\d.]+ MB in [\d.]+ s \([\d.]+ MB\/s\)\n$/);
    // Off a terminal, progress is one line when counting ends.
    expect(lines(run.stderr)).toEqual([expect.stringMatching(/^counted 0\.0 MB: \d+ distinct words in 0:0\d$/)]);
    expect((await readdir(path('tok'))).sort()).toEqual(['tokenizer.json', 'tokenizer_config.json']);

    const tokenizer = await HfTokenizer.fromDir(path('tok'));
    expect(tokenizer.vocabSize).toBe(300);
    expect(tokenizer.eosToken).toBe('<|im_end|>');
    expect(tokenizer.encode(' jumps')).toHaveLength(1);
    expect(tokenizer.encode('<|im_start|>')).toEqual([1]);
    for (const text of [PROSE, '🦊 東京\u0000\t\r\n  x', 'ünïcödé\u200d\ufeff']) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    expect(tokenizer.applyChatTemplate([{ role: 'user', content: 'hi' }])).toBe('<|im_start|>user\nhi<|im_end|>\n');
  });

  it('uses the GPT-2 pattern and the special tokens given', async () => {
    const run = await train(['--data', 'prose.txt', '--vocab-size', '270', '--out', 'gpt2', '--pattern', 'gpt2', '--special-tokens', '<s>,</s>']);
    expect(run.code).toBe(0);
    const json = JSON.parse(await readFile(path('gpt2/tokenizer.json'), 'utf8'));
    expect(json.pre_tokenizer.pretokenizers[0].pattern.Regex).toMatch(/^'s\|'t\|/);
    expect(json.added_tokens.map((t: { content: string }) => t.content)).toEqual(['<s>', '</s>']);
    expect(Object.keys(json.model.vocab)).toHaveLength(270);
  });

  it.each([
    [['--data', 'missing.txt', '--vocab-size', '300', '--out', 'x'], 2, `--data: missing.txt does not exist (in ROOT)`],
    [['--data', 'prose.txt', '--vocab-size', '258', '--out', 'x', '--chat-template', 'chatml'], 2, '--vocab-size 258 is too small: the 256 byte tokens and 3 special token(s) need at least 259'],
    [['--data', 'prose.txt', '--vocab-size', 'many', '--out', 'x'], 2, '--vocab-size must be a positive integer, got "many"'],
    [['--data', 'prose.txt', '--vocab-size', '300', '--out', 'x', '--pattern', 'bert'], 2, '--pattern must be one of gpt2, llama3, got "bert"'],
    [['--data', 'prose.txt', '--vocab-size', '300', '--out', 'x', '--special-tokens', 'a,,b'], 2, '--special-tokens: special tokens must not be empty or blank, got ""'],
    [['--data', 'chat-1.jsonl', '--vocab-size', '300', '--out', 'x'], 1, 'chat-1.jsonl:1: the record has no string field "text"'],
    [['--data', 'prose.txt', '--vocab-size', '300', '--out', 'prose.txt'], 1, 'prose.txt already exists; choose a new output folder'],
  ])('refuses %j with exit code %i and one line naming the flag or file', async (args, code, message) => {
    const run = await train(args);
    expect(run.code).toBe(code);
    expect(lines(run.stderr)).toEqual([`tunekit tokenizer: ${message.replace('ROOT', root)}`]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(await readdir(root)).not.toContain('x');
  });

  it('asks for a subcommand and for the flags it needs, showing the usage', async () => {
    const unknown = await runCli(['tokenizer', 'fit'], { cwd: root });
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/^tunekit tokenizer: unknown subcommand "fit"; usage: tunekit tokenizer train --data/)]);
    const missing = await train(['--data', 'prose.txt', '--out', 'x']);
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^tunekit tokenizer: --vocab-size is required; usage: tunekit tokenizer train --data/)]);
  });
});
