import { readFile, readdir } from 'node:fs/promises';
import { jsonSyntaxMessage, showValue } from '@tunekit/core';
import { basename, join } from 'node:path';
import type { NamedChatTemplate } from './chat-template-selection.js';
import { parseTokenizerConfig, type TokenizerConfig } from './tokenizer-config.js';
import { TokenizerLoadError } from './tokenizer.errors.js';

/** Everything in a model folder that shapes tokenization and chat formatting. */
export interface TokenizerFiles {
  dir: string;
  tokenizerJson: Record<string, unknown>;
  config: TokenizerConfig;
  /** Every chat template by name: tokenizer_config.json's, overridden by the `.jinja` files beside it. */
  chatTemplates: ReadonlyMap<string, NamedChatTemplate>;
  /** `eos_token_id` of generation_config.json (Llama 3 and Qwen stop on several tokens); empty when absent. */
  generationEosIds: readonly number[];
}

const isMissing = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

async function readOptionalText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw new TokenizerLoadError(path, `cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TokenizerLoadError(path, `is not valid JSON: ${jsonSyntaxMessage(e)}`, { cause: e });
  }
}

function eosIdsOfGenerationConfig(json: unknown, path: string): number[] {
  const value = (json as Record<string, unknown> | null)?.eos_token_id;
  if (value === undefined || value === null) return [];
  const ids = Array.isArray(value) ? value : [value];
  if (!ids.every((id) => Number.isInteger(id) && id >= 0)) {
    throw new TokenizerLoadError(path, `eos_token_id must be a token id or a list of them, got ${showValue(value)}`);
  }
  return ids as number[];
}

/**
 * transformers ≥ 4.47 saves the default template as `chat_template.jinja` and named ones under
 * `additional_chat_templates/<name>.jinja`; when present these win over tokenizer_config.json,
 * as they do in transformers' loader.
 */
async function jinjaTemplates(dir: string): Promise<NamedChatTemplate[]> {
  const found: NamedChatTemplate[] = [];
  const defaultPath = join(dir, 'chat_template.jinja');
  const defaultText = await readOptionalText(defaultPath);
  if (defaultText !== undefined) found.push({ name: 'default', text: defaultText, source: defaultPath });
  const extraDir = join(dir, 'additional_chat_templates');
  const extras = await readdir(extraDir).catch((e: unknown) => (isMissing(e) ? [] : Promise.reject(e)));
  for (const file of extras.filter((f) => f.endsWith('.jinja')).sort()) {
    const path = join(extraDir, file);
    found.push({ name: basename(file, '.jinja'), text: await readFile(path, 'utf8'), source: path });
  }
  return found;
}

/** Room for ids past the count of tokens (vocabularies with holes), before an id is taken for corruption. */
const ID_SLACK = 1 << 20;

/**
 * Token ids are indices that @huggingface/tokenizers sizes its tables by: an id of 4e9 in a
 * corrupt file makes it allocate and fill for minutes. Every id must be a non-negative integer no
 * larger than the token count allows.
 */
function checkTokenIds(json: Record<string, unknown>, path: string): void {
  const model = json.model as Record<string, unknown> | null;
  const vocab = model !== null && typeof model === 'object' && typeof model.vocab === 'object' && model.vocab !== null && !Array.isArray(model.vocab) ? Object.entries(model.vocab) : [];
  const added = Array.isArray(json.added_tokens) ? json.added_tokens.map((t: unknown, i) => [`added_tokens[${i}]`, (t as Record<string, unknown> | null)?.id] as const) : [];
  const limit = 4 * (vocab.length + added.length) + ID_SLACK;
  for (const [token, id] of [...vocab, ...added]) {
    if (!Number.isSafeInteger(id) || (id as number) < 0 || (id as number) > limit) {
      throw new TokenizerLoadError(path, `token ${showValue(token, 60)} has id ${showValue(id, 40)}; ids are integers from 0 to ${limit} for ${vocab.length + added.length} tokens`);
    }
  }
}

export async function readTokenizerFiles(dir: string): Promise<TokenizerFiles> {
  const tokenizerPath = join(dir, 'tokenizer.json');
  const tokenizerText = await readOptionalText(tokenizerPath);
  if (tokenizerText === undefined) {
    throw new TokenizerLoadError(tokenizerPath, 'not found; a model folder needs a fast-tokenizer tokenizer.json (vocab.json/merges.txt alone are not supported)');
  }
  const tokenizerJson = parseJson(tokenizerText, tokenizerPath);
  if (typeof tokenizerJson !== 'object' || tokenizerJson === null || !('model' in tokenizerJson)) {
    throw new TokenizerLoadError(tokenizerPath, 'must hold a JSON object with a "model" field');
  }
  checkTokenIds(tokenizerJson as Record<string, unknown>, tokenizerPath);

  const configPath = join(dir, 'tokenizer_config.json');
  const configText = await readOptionalText(configPath);
  const config = parseTokenizerConfig(configText === undefined ? {} : parseJson(configText, configPath), configPath);

  const chatTemplates = new Map<string, NamedChatTemplate>();
  for (const [name, text] of config.chatTemplates) {
    chatTemplates.set(name, { name, text, source: `${configPath}#chat_template${name === 'default' ? '' : `[${name}]`}` });
  }
  for (const template of await jinjaTemplates(dir)) chatTemplates.set(template.name, template);

  const generationPath = join(dir, 'generation_config.json');
  const generationText = await readOptionalText(generationPath);
  const generationEosIds =
    generationText === undefined ? [] : eosIdsOfGenerationConfig(parseJson(generationText, generationPath), generationPath);

  return { dir, tokenizerJson: tokenizerJson as Record<string, unknown>, config, chatTemplates, generationEosIds };
}
