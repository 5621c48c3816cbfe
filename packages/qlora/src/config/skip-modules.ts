/**
 * `llm_int8_skip_modules` matching as transformers' `_replace_with_bnb_linear` does it
 * (integrations/bitsandbytes.py): a module stays unquantized when its own name is listed
 * (`name in modules_to_not_convert`), when a listed key equals its full path, or when
 * `key + "."` occurs anywhere in its path, which skips everything under a listed prefix
 * ("model.layers.0" keeps that whole layer, "mlp" every MLP's Linears).
 */

/** transformers keeps the output embedding in full precision when no skip list is given. */
export const DEFAULT_SKIP_MODULES: readonly string[] = ['lm_head'];

export function isSkippedModule(path: string, skip: readonly string[]): boolean {
  const name = path.slice(path.lastIndexOf('.') + 1);
  return skip.includes(name) || skip.some((key) => key === path || path.includes(`${key}.`));
}
