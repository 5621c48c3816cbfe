import { CHATML_TEMPLATE } from '../byte-level-bpe.js';

/** GPT-2's document separator; also BOS, EOS and padding when nothing else is asked for. */
export const DEFAULT_SPECIAL_TOKENS: readonly string[] = ['<|endoftext|>'];

interface ChatTemplatePreset {
  readonly template: string;
  /** Tokens the template writes: added as special tokens when the user's list lacks them. */
  readonly specialTokens: readonly string[];
  /** Ends a turn, so generation stops there (Qwen's and SmolLM's instruct models do the same). */
  readonly eosToken: string;
}

export const CHAT_TEMPLATE_PRESETS = {
  chatml: { template: CHATML_TEMPLATE, specialTokens: ['<|im_start|>', '<|im_end|>'], eosToken: '<|im_end|>' },
} as const satisfies Record<string, ChatTemplatePreset>;

export type ChatTemplateName = keyof typeof CHAT_TEMPLATE_PRESETS;

export const CHAT_TEMPLATE_NAMES = Object.keys(CHAT_TEMPLATE_PRESETS) as ChatTemplateName[];

export const isChatTemplateName = (name: string): name is ChatTemplateName => Object.hasOwn(CHAT_TEMPLATE_PRESETS, name);

/** The special tokens in id order: the given ones (or the default), then those the chat template needs. */
export function resolveSpecialTokens(given: readonly string[] | undefined, chatTemplate?: ChatTemplateName): string[] {
  const tokens = [...(given ?? DEFAULT_SPECIAL_TOKENS)];
  const blank = tokens.find((t) => t.trim() === '');
  if (blank !== undefined) throw new Error(`special tokens must not be empty or blank, got ${JSON.stringify(blank)}`);
  const repeated = tokens.find((t, i) => tokens.indexOf(t) !== i);
  if (repeated !== undefined) throw new Error(`special token ${JSON.stringify(repeated)} is listed twice`);
  for (const t of chatTemplate ? CHAT_TEMPLATE_PRESETS[chatTemplate].specialTokens : []) if (!tokens.includes(t)) tokens.push(t);
  return tokens;
}

export interface TokenRoles {
  readonly bosToken?: string;
  readonly eosToken?: string;
  readonly padToken?: string;
}

/**
 * GPT-2's convention: the first special token starts, ends and pads documents. A chat template
 * moves EOS to the token that ends a turn; its own tokens never start a document or pad one.
 */
export function tokenRoles(specialTokens: readonly string[], chatTemplate?: ChatTemplateName): TokenRoles {
  const templateTokens: readonly string[] = chatTemplate ? CHAT_TEMPLATE_PRESETS[chatTemplate].specialTokens : [];
  const first = specialTokens.find((t) => !templateTokens.includes(t));
  return {
    bosToken: first,
    eosToken: chatTemplate ? CHAT_TEMPLATE_PRESETS[chatTemplate].eosToken : first,
    padToken: first,
  };
}
