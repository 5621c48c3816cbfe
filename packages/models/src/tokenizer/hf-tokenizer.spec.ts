import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatTemplateError } from '../chat/index.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { GPT2_DIR } from './tokenizer.fixtures.js';
import { TokenizerLoadError } from './tokenizer.errors.js';

describe('HfTokenizer on the tiny-random-gpt2 fixture', () => {
  let tok: HfTokenizer;
  beforeAll(async () => {
    tok = await HfTokenizer.fromDir(GPT2_DIR);
  });

  it('loads the GPT-2 BPE vocabulary and its special token', () => {
    expect(tok.vocabSize).toBe(50_295); // 50,257 + 38 added whitespace tokens
    expect(tok.bosTokenId).toBe(50256);
    expect(tok.eosTokenId).toBe(50256);
    expect(tok.modelMaxLength).toBe(2048);
  });

  it('pads with EOS when the folder names no pad token, as TRL does', () => {
    expect(tok.padToken).toBe('<|endoftext|>');
    expect(tok.padTokenId).toBe(50256);
  });

  it('encodes with GPT-2 ids and adds no special tokens (ByteLevel post-processor)', () => {
    expect(tok.encode('Hello world')).toEqual([15496, 995]);
    expect(tok.decode([15496, 995])).toBe('Hello world');
  });

  it('applies the folder clean_up_tokenization_spaces unless told otherwise', () => {
    const ids = tok.encode('a , b .');
    expect(tok.decode(ids)).toBe('a, b.');
    expect(tok.decode(ids, { cleanUpTokenizationSpaces: false })).toBe('a , b .');
  });

  it('says which folder has no chat template', () => {
    expect(() => tok.applyChatTemplate([{ role: 'user', content: 'hi' }])).toThrow(
      new TokenizerLoadError(GPT2_DIR, 'has no chat template (no chat_template in tokenizer_config.json and no chat_template.jinja)'),
    );
  });
});

describe('HfTokenizer.fromDir on edited copies of the GPT-2 folder', () => {
  let root: string;
  let baseConfig: Record<string, unknown>;
  let n = 0;

  /** A copy of the GPT-2 tokenizer with tokenizer_config.json replaced and extra files written. */
  async function folder(config: Record<string, unknown> | string | undefined, extra: Record<string, string> = {}): Promise<string> {
    const dir = join(root, String(n++));
    await mkdir(dir);
    await copyFile(join(GPT2_DIR, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    if (config !== undefined) {
      await writeFile(join(dir, 'tokenizer_config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    }
    for (const [name, text] of Object.entries(extra)) {
      await mkdir(join(dir, name, '..'), { recursive: true });
      await writeFile(join(dir, name), text);
    }
    return dir;
  }

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'tunekit-tok-'));
    baseConfig = JSON.parse(await readFile(join(GPT2_DIR, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('frames text with BOS/EOS where add_bos_token/add_eos_token say so (Llama-style)', async () => {
    const both = await HfTokenizer.fromDir(await folder({ ...baseConfig, add_bos_token: true, add_eos_token: true }));
    expect(both.encode('Hello world')).toEqual([50256, 15496, 995, 50256]);
    expect(both.encode('Hello world', { addSpecialTokens: false })).toEqual([15496, 995]);
    const bosOnly = await HfTokenizer.fromDir(await folder({ ...baseConfig, add_bos_token: true, add_eos_token: false }));
    expect(bosOnly.encode('Hello world')).toEqual([50256, 15496, 995]);
  });

  it('reads special tokens given as AddedToken objects and a separate pad token', async () => {
    const tok = await HfTokenizer.fromDir(
      await folder({ ...baseConfig, eos_token: { content: '<|endoftext|>', lstrip: false, __type: 'AddedToken' }, pad_token: '!' }),
    );
    expect(tok.eosTokenId).toBe(50256);
    expect(tok.padTokenId).toBe(0);
  });

  it('treats transformers\' "no limit" model_max_length as none', async () => {
    const tok = await HfTokenizer.fromDir(await folder({ ...baseConfig, model_max_length: 1e30 }));
    expect(tok.modelMaxLength).toBeUndefined();
  });

  it('loads without tokenizer_config.json, with no special tokens known', async () => {
    const tok = await HfTokenizer.fromDir(await folder(undefined));
    expect(tok.eosTokenId).toBeUndefined();
    expect(tok.padTokenId).toBeUndefined();
    expect(tok.eosTokenIds.size).toBe(0);
    expect(tok.encode('Hello')).toEqual([15496]);
  });

  it('picks "default" from a list of named templates, "tool_use" when tools are given, or the name asked for', async () => {
    const tok = await HfTokenizer.fromDir(
      await folder({
        ...baseConfig,
        chat_template: [
          { name: 'default', template: 'D:{{ messages[0].content }}' },
          { name: 'tool_use', template: 'T:{{ tools | length }}' },
          { name: 'rag', template: 'R:{{ documents[0].text }}' },
        ],
      }),
    );
    const messages = [{ role: 'user' as const, content: 'hi' }];
    expect(tok.chatTemplateNames).toEqual(['default', 'tool_use', 'rag']);
    expect(tok.applyChatTemplate(messages)).toBe('D:hi');
    expect(tok.applyChatTemplate(messages, { tools: [{ name: 'f' }] })).toBe('T:1');
    expect(tok.applyChatTemplate(messages, { templateName: 'rag', documents: [{ text: 'doc' }] })).toBe('R:doc');
  });

  it('refuses to guess among named templates when none is "default"', async () => {
    const dir = await folder({ ...baseConfig, chat_template: [{ name: 'a', template: 'A' }, { name: 'b', template: 'B' }] });
    const tok = await HfTokenizer.fromDir(dir);
    expect(() => tok.applyChatTemplate([])).toThrow(`${dir}: several chat templates and none named "default"; available: "a", "b"`);
  });

  it('prefers chat_template.jinja and additional_chat_templates/*.jinja over tokenizer_config.json', async () => {
    const tok = await HfTokenizer.fromDir(
      await folder(
        { ...baseConfig, chat_template: 'from config' },
        { 'chat_template.jinja': 'from jinja {{ bos_token }}', 'additional_chat_templates/brief.jinja': 'brief' },
      ),
    );
    expect(tok.applyChatTemplate([])).toBe('from jinja <|endoftext|>');
    expect(tok.applyChatTemplate([], { templateName: 'brief' })).toBe('brief');
  });

  it('names the template file when a template is broken', async () => {
    const dir = await folder(baseConfig, { 'chat_template.jinja': '{% for m in messages %}' });
    const tok = await HfTokenizer.fromDir(dir);
    const error = (() => {
      try {
        tok.applyChatTemplate([]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ChatTemplateError);
    expect((error as ChatTemplateError).source).toBe(join(dir, 'chat_template.jinja'));
  });

  it.each([
    [{ eos_token: 42 }, 'eos_token must be a string or an object with a string "content", got 42'],
    [{ eos_token: '<nope>' }, 'eos_token "<nope>" is not in tokenizer.json\'s vocabulary'],
    [{ add_bos_token: 'yes' }, 'add_bos_token must be true or false, got "yes"'],
    [{ add_eos_token: true, eos_token: null }, 'add_eos_token is true but eos_token is not set'],
    [{ model_max_length: -1 }, 'model_max_length must be a positive number, got -1'],
    [{ chat_template: 7 }, 'chat_template must be a string or a list of {name, template}, got number'],
    [{ chat_template: [{ name: 'x' }] }, 'chat_template[0] must be {"name": string, "template": string}'],
  ])('rejects tokenizer_config.json with %j, naming the file and field', async (patch, detail) => {
    const dir = await folder({ ...baseConfig, ...patch });
    await expect(HfTokenizer.fromDir(dir)).rejects.toThrow(new TokenizerLoadError(join(dir, 'tokenizer_config.json'), detail));
  });

  it('names a tokenizer_config.json that is not JSON', async () => {
    const dir = await folder('{ "eos_token": ');
    await expect(HfTokenizer.fromDir(dir)).rejects.toThrow(new RegExp(`^${join(dir, 'tokenizer_config.json')}: is not valid JSON`));
  });

  it('names the missing tokenizer.json', async () => {
    const dir = join(root, 'empty');
    await mkdir(dir);
    await expect(HfTokenizer.fromDir(dir)).rejects.toThrow(`${join(dir, 'tokenizer.json')}: not found`);
  });
});
