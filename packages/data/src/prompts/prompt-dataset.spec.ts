import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { TempDir } from '../testing/temp-files.test-support.js';
import { loadPromptDataset } from './prompt-dataset.js';

describe('loadPromptDataset', () => {
  let dir: TempDir;
  let tokenizer: Qwen3TestTokenizer;
  beforeAll(async () => {
    dir = await TempDir.create();
    tokenizer = await Qwen3TestTokenizer.load();
  });
  afterAll(() => dir.remove());

  it('tokenizes text prompts as they are and conversations through the chat template, keeping the other columns', async () => {
    const lines = [
      { prompt: 'What is 2 + 3?', answer: '5' },
      { prompt: [{ role: 'user', content: 'What is 4 + 4?' }], answer: '8', level: 1 },
    ];
    const path = await dir.write('prompts.jsonl', lines.map((l) => JSON.stringify(l)).join('\n'));
    const [text, chat] = await loadPromptDataset(path, tokenizer);
    expect(text.promptIds).toEqual(tokenizer.encode('What is 2 + 3?'));
    expect(text.columns).toEqual({ answer: '5' });
    const rendered = tokenizer.applyChatTemplate([{ role: 'user', content: 'What is 4 + 4?' }], { addGenerationPrompt: true });
    expect(rendered.endsWith('<|im_start|>assistant\n')).toBe(true);
    expect(chat.promptIds).toEqual(tokenizer.encode(rendered, { addSpecialTokens: false }));
    expect(chat.columns).toEqual({ answer: '8', level: 1 });
    expect(chat.source).toEqual({ file: path, line: 2 });
  });

  it('names the file, line and field of a record without a usable prompt', async () => {
    const path = await dir.write('bad.jsonl', `${JSON.stringify({ prompt: 'ok' })}\n${JSON.stringify({ question: 'where?' })}\n`);
    await expect(loadPromptDataset(path, tokenizer)).rejects.toThrow(`${path}:2: prompt: expected a prompt (a string or a list of messages), got nothing; the record has question`);
    const roles = await dir.write('roles.jsonl', JSON.stringify({ prompt: [{ role: 'bot', content: 'x' }] }));
    await expect(loadPromptDataset(roles, tokenizer)).rejects.toThrow(`${roles}:1: prompt[0].role: expected one of system|user|assistant, got "bot"`);
  });

  it('refuses a line that is not UTF-8, naming it, rather than sampling from a garbled prompt', async () => {
    const latin1 = Buffer.from(`${JSON.stringify({ prompt: 'caf\xe9?' })}\n`, 'latin1');
    const path = await dir.write('latin1.jsonl', Buffer.concat([Buffer.from(`${JSON.stringify({ prompt: 'ok' })}\n`), latin1]));
    await expect(loadPromptDataset(path, tokenizer)).rejects.toThrow(`${path}:2: bytes that are not UTF-8 (1 line of the file); convert it to UTF-8`);
  });
});
