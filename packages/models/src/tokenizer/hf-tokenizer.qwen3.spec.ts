import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../chat/index.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { QWEN3_DIR } from './tokenizer.fixtures.js';

describe('HfTokenizer on the real Qwen3 files', () => {
  let tok: HfTokenizer;
  beforeAll(async () => {
    tok = await HfTokenizer.fromDir(QWEN3_DIR);
  });

  it('maps the chat special tokens to the ids of tokenizer.json added_tokens', () => {
    expect(tok.tokenToId('<|endoftext|>')).toBe(151643);
    expect(tok.tokenToId('<|im_start|>')).toBe(151644);
    expect(tok.tokenToId('<|im_end|>')).toBe(151645);
    expect(tok.idToToken(151668)).toBe('</think>');
    expect(tok.tokenToId('no such token')).toBeUndefined();
  });

  it('reads special tokens from tokenizer_config.json: eos <|im_end|>, pad <|endoftext|>, no bos', () => {
    expect(tok.eosTokenId).toBe(151645);
    expect(tok.padTokenId).toBe(151643);
    expect(tok.bosTokenId).toBeUndefined();
    expect([...tok.eosTokenIds]).toEqual([151645]);
    // 151,643 BPE tokens + 26 added ones (151643..151668).
    expect(tok.vocabSize).toBe(151_669);
    expect(tok.modelMaxLength).toBe(131_072);
  });

  it('encodes known text to the ids transformers gives, adding nothing around it', () => {
    expect(tok.encode('Hello world')).toEqual([9707, 1879]);
    expect(tok.encode('Hello world', { addSpecialTokens: false })).toEqual([9707, 1879]);
  });

  it('keeps special tokens whole inside text', () => {
    expect(tok.encode('<|im_start|>user\nHi<|im_end|>')).toEqual([151644, 872, 198, 13048, 151645]);
  });

  it.each([
    ['ASCII', 'The quick brown fox jumps over the lazy dog.'],
    ['accents and dashes', 'héllo wörld — naïve café'],
    ['CJK', '日本語のテキストと中文'],
    ['emoji, including a ZWJ family', 'ok 😀👍🏽 👨‍👩‍👧 done'],
    ['whitespace runs and newlines', 'a\n\n  b\t\tc   '],
  ])('round-trips %s', (_, text) => {
    const ids = tok.encode(text);
    expect(ids.length).toBeGreaterThan(0);
    expect(tok.decode(ids)).toBe(text);
  });

  it('drops special tokens on request', () => {
    const ids = tok.encode('<|im_start|>assistant\nSure<|im_end|>');
    expect(tok.decode(ids)).toBe('<|im_start|>assistant\nSure<|im_end|>');
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('assistant\nSure');
  });

  it('rejects an id outside the vocabulary, naming it', () => {
    // Unknown ids (a model's padded embedding rows) decode to nothing, as in the Rust library.
    expect(tok.decode([9707, 999_999, 1879])).toBe(tok.decode([9707, 1879]));
    expect(tok.decode([999_999])).toBe('');
    expect(() => tok.decode([1.5])).toThrow(/token id 1.5 is not an integer/);
    expect(tok.decode([])).toBe('');
  });

  describe('chat template (Qwen3, as written in tokenizer_config.json)', () => {
    const system: Message = { role: 'system', content: 'You are a helpful assistant.' };
    const user: Message = { role: 'user', content: 'What is 2+2?' };
    const assistant: Message = { role: 'assistant', content: '2+2 equals 4.' };
    const head = '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n';

    it('wraps the final assistant turn in an empty think block', () => {
      // The last assistant message comes after the last user query, so the template writes a
      // <think> block even with no reasoning: '\n<think>\n' + '' + '\n</think>\n\n' + content.
      expect(tok.applyChatTemplate([system, user, assistant])).toBe(
        `${head}<|im_start|>assistant\n<think>\n\n</think>\n\n2+2 equals 4.<|im_end|>\n`,
      );
    });

    it('opens an assistant turn for generation', () => {
      expect(tok.applyChatTemplate([system, user], { addGenerationPrompt: true })).toBe(`${head}<|im_start|>assistant\n`);
    });

    it('pre-fills an empty think block when enable_thinking=false', () => {
      expect(tok.applyChatTemplate([system, user], { addGenerationPrompt: true, extra: { enable_thinking: false } })).toBe(
        `${head}<|im_start|>assistant\n<think>\n\n</think>\n\n`,
      );
      // enable_thinking=true is the template's default: nothing is pre-filled.
      expect(tok.applyChatTemplate([system, user], { addGenerationPrompt: true, extra: { enable_thinking: true } })).toBe(
        `${head}<|im_start|>assistant\n`,
      );
    });

    it('writes no think block for assistant turns before the last user query', () => {
      const followUp: Message = { role: 'user', content: 'And 3+3?' };
      expect(tok.applyChatTemplate([system, user, assistant, followUp], { addGenerationPrompt: true })).toBe(
        `${head}<|im_start|>assistant\n2+2 equals 4.<|im_end|>\n<|im_start|>user\nAnd 3+3?<|im_end|>\n<|im_start|>assistant\n`,
      );
    });

    it('puts reasoning_content inside the think block', () => {
      const reasoned: Message = { role: 'assistant', content: '4.', reasoning_content: '\nTwo plus two is four.\n' };
      expect(tok.applyChatTemplate([user, reasoned])).toBe(
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\nTwo plus two is four.\n</think>\n\n4.<|im_end|>\n',
      );
    });

    it('lists tools in the system turn as Python json.dumps would', () => {
      const tool = { type: 'function', function: { name: 'add', parameters: { type: 'object' } } };
      expect(tok.applyChatTemplate([system, user], { tools: [tool] })).toBe(
        '<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n' +
          'You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n' +
          '{"type": "function", "function": {"name": "add", "parameters": {"type": "object"}}}\n</tools>\n\n' +
          'For each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n' +
          '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' +
          '<|im_start|>user\nWhat is 2+2?<|im_end|>\n',
      );
    });

    it('tokenizes the rendered chat without adding anything around it', () => {
      const ids = tok.encodeChat([system, user], { addGenerationPrompt: true });
      expect(ids.slice(0, 3)).toEqual([151644, 8948, 198]); // <|im_start|> system \n
      expect(ids.slice(-3)).toEqual([151644, 77091, 198]); // <|im_start|> assistant \n
      expect(ids.filter((id) => id === 151645)).toHaveLength(2);
      expect(tok.decode(ids)).toBe(`${head}<|im_start|>assistant\n`);
    });

    it('reports an unknown template name with the names available', () => {
      expect(() => tok.applyChatTemplate([user], { templateName: 'rag' })).toThrow(
        `${QWEN3_DIR}: no chat template named "rag"; available: "default"`,
      );
    });
  });
});

describe('HfTokenizer with generation_config.json beside the Qwen3 files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tunekit-qwen3-'));
    for (const file of ['tokenizer.json', 'tokenizer_config.json']) await copyFile(join(QWEN3_DIR, file), join(dir, file));
    // Qwen3's real generation_config.json stops on both.
    await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: [151645, 151643], pad_token_id: 151643 }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('stops on every eos_token_id listed there', async () => {
    const tok = await HfTokenizer.fromDir(dir);
    expect(tok.eosTokenId).toBe(151645);
    expect([...tok.eosTokenIds].sort()).toEqual([151643, 151645]);
  });
});
