import { showValue } from '@tunekit/core';
import { TokenizerLoadError } from './tokenizer.errors.js';

/** One chat template of a model folder, with where it came from for error messages. */
export interface NamedChatTemplate {
  name: string;
  text: string;
  /** e.g. `/models/qwen/tokenizer_config.json#chat_template` or `/models/x/chat_template.jinja`. */
  source: string;
}

/**
 * Picks a template the way transformers' `get_chat_template` does: the asked-for name, else
 * `tool_use` when tools are given and the model has one, else `default`.
 */
export function selectChatTemplate(
  templates: ReadonlyMap<string, NamedChatTemplate>,
  request: { name?: string; hasTools: boolean },
  folder: string,
): NamedChatTemplate {
  const available = [...templates.keys()];
  if (available.length === 0) {
    throw new TokenizerLoadError(folder, 'has no chat template (no chat_template in tokenizer_config.json and no chat_template.jinja)');
  }
  const preferences = request.name !== undefined ? [request.name] : [...(request.hasTools ? ['tool_use'] : []), 'default'];
  const found = preferences.map((name) => templates.get(name)).find((t) => t !== undefined);
  if (found === undefined) {
    const wanted = request.name !== undefined ? `no chat template named ${showValue(request.name)}` : 'several chat templates and none named "default"';
    throw new TokenizerLoadError(folder, `${wanted}; available: ${available.map((n) => showValue(n)).join(', ')}`);
  }
  return found;
}
