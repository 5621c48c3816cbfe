import { showValue } from '@tunekit/core';
import { Tokenizer } from '@huggingface/tokenizers';
import { join } from 'node:path';
import { ChatTemplate, type Message } from '../chat/index.js';
import { selectChatTemplate, type NamedChatTemplate } from './chat-template-selection.js';
import { readTokenizerFiles, type TokenizerFiles } from './tokenizer-files.js';
import { TokenizerLoadError } from './tokenizer.errors.js';
import type { ApplyChatTemplateOptions, DecodeOptions, EncodeOptions, TextTokenizer } from './tokenizer.interface.js';

/** Tokens a Llama-style `add_bos_token`/`add_eos_token` pair puts around every encoded text. */
interface Framing {
  prefix: readonly number[];
  suffix: readonly number[];
}

/**
 * A Hugging Face fast tokenizer loaded from a model folder: tokenizer.json through
 * @huggingface/tokenizers, plus what transformers reads from tokenizer_config.json,
 * chat_template.jinja and generation_config.json.
 */
export class HfTokenizer implements TextTokenizer {
  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  /** The folder's pad token, or the EOS token when it has none: TRL's SFT/DPO trainers pad with EOS the same way. */
  readonly padToken: string | undefined;
  readonly unkToken: string | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly unkTokenId: number | undefined;
  /** The EOS token plus generation_config.json's `eos_token_id` list (Qwen3 stops on `<|im_end|>` and `<|endoftext|>`). */
  readonly eosTokenIds: ReadonlySet<number>;
  /** Number of tokens including added ones: `len(tokenizer)` in transformers, not its `vocab_size`, which leaves added tokens out. */
  readonly vocabSize: number;
  /** The longest input the model was trained on, or undefined where the folder sets no limit. */
  readonly modelMaxLength: number | undefined;
  private readonly framing: Framing | undefined;
  private readonly compiled = new Map<string, ChatTemplate>();

  private constructor(
    private readonly inner: Tokenizer,
    private readonly files: TokenizerFiles,
  ) {
    const { config } = files;
    const configFile = join(files.dir, 'tokenizer_config.json');
    const idOf = (token: string | undefined, field: string): number | undefined => {
      if (token === undefined) return undefined;
      const id = inner.token_to_id(token);
      if (id === undefined) throw new TokenizerLoadError(configFile, `${field} ${showValue(token)} is not in tokenizer.json's vocabulary`);
      return id;
    };
    this.bosToken = config.bosToken;
    this.bosTokenId = idOf(config.bosToken, 'bos_token');
    this.eosToken = config.eosToken;
    this.eosTokenId = idOf(config.eosToken, 'eos_token');
    this.padToken = config.padToken ?? config.eosToken;
    this.padTokenId = idOf(config.padToken, 'pad_token') ?? this.eosTokenId;
    this.unkToken = config.unkToken;
    this.unkTokenId = idOf(config.unkToken, 'unk_token');
    this.eosTokenIds = new Set([...(this.eosTokenId === undefined ? [] : [this.eosTokenId]), ...files.generationEosIds]);
    this.vocabSize = inner.get_vocab(true).size;
    this.modelMaxLength = config.modelMaxLength;
    this.framing = this.framingOf(configFile);
  }

  static async fromDir(dir: string): Promise<HfTokenizer> {
    const files = await readTokenizerFiles(dir);
    let inner: Tokenizer;
    try {
      inner = new Tokenizer(files.tokenizerJson, files.config.raw);
    } catch (e) {
      throw new TokenizerLoadError(join(dir, 'tokenizer.json'), `@huggingface/tokenizers cannot build it: ${(e as Error).message}`, { cause: e });
    }
    return new HfTokenizer(inner, files);
  }

  /** The folder this tokenizer was loaded from. */
  get dir(): string {
    return this.files.dir;
  }

  get chatTemplateNames(): readonly string[] {
    return [...this.files.chatTemplates.keys()];
  }

  encode(text: string, { addSpecialTokens = true }: EncodeOptions = {}): number[] {
    if (this.framing === undefined) return this.inner.encode(text, { add_special_tokens: addSpecialTokens }).ids;
    const body = this.inner.encode(text, { add_special_tokens: false }).ids;
    return addSpecialTokens ? [...this.framing.prefix, ...body, ...this.framing.suffix] : body;
  }

  /**
   * Ids the tokenizer does not know decode to nothing, as in the Rust tokenizers library: models pad
   * their embedding past the tokenizer (Qwen by hundreds of rows), and a sampled padding id must
   * not crash a generation. A non-integer id is a caller's bug and throws.
   */
  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) if (!Number.isInteger(id)) throw new RangeError(`${this.dir}: token id ${id} is not an integer`);
    const known = ids.filter((id) => this.inner.id_to_token(id) !== undefined);
    // @huggingface/tokenizers rejects an empty list; an empty generation step is not an error.
    if (known.length === 0) return '';
    return this.inner.decode(known, {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? null,
    });
  }

  tokenToId(token: string): number | undefined {
    return this.inner.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.inner.id_to_token(id);
  }

  /** Renders a conversation with the folder's chat template, as transformers' `apply_chat_template(tokenize=False)`. */
  applyChatTemplate(messages: readonly Message[], options: ApplyChatTemplateOptions = {}): string {
    const chosen = selectChatTemplate(this.files.chatTemplates, { name: options.templateName, hasTools: options.tools !== undefined }, this.dir);
    return this.compile(chosen).render(
      {
        bos_token: this.bosToken,
        eos_token: this.eosToken,
        pad_token: this.padToken,
        unk_token: this.unkToken,
        ...options.extra,
        messages,
        tools: options.tools,
        documents: options.documents,
        add_generation_prompt: options.addGenerationPrompt ?? false,
      },
      { now: options.now },
    );
  }

  /**
   * The rendered conversation as ids. Templates write BOS themselves, so nothing is added around
   * the text: transformers tokenizes chat output with `add_special_tokens=False` for this reason.
   */
  encodeChat(messages: readonly Message[], options: ApplyChatTemplateOptions = {}): number[] {
    return this.encode(this.applyChatTemplate(messages, options), { addSpecialTokens: false });
  }

  private compile(template: NamedChatTemplate): ChatTemplate {
    let compiled = this.compiled.get(template.name);
    if (compiled === undefined) {
      compiled = new ChatTemplate(template.text, template.source);
      this.compiled.set(template.name, compiled);
    }
    return compiled;
  }

  /**
   * Llama-style folders say in tokenizer_config.json whether to add BOS/EOS; transformers then
   * rebuilds the post-processor from those flags (LlamaTokenizerFast.update_post_processor), so the
   * flags win over whatever tokenizer.json's post-processor would add.
   */
  private framingOf(configFile: string): Framing | undefined {
    const { addBosToken, addEosToken } = this.files.config;
    if (addBosToken === undefined && addEosToken === undefined) return undefined;
    const required = (flag: boolean | undefined, id: number | undefined, field: string): number[] => {
      if (!flag) return [];
      if (id === undefined) throw new TokenizerLoadError(configFile, `add_${field} is true but ${field} is not set`);
      return [id];
    };
    return { prefix: required(addBosToken, this.bosTokenId, 'bos_token'), suffix: required(addEosToken, this.eosTokenId, 'eos_token') };
  }
}
