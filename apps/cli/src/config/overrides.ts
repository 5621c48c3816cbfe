import { parse } from 'yaml';
import { UsageError } from '../cli-error.js';
import { type KeyPath, isMapping } from './config-error.js';

export interface Override {
  readonly path: KeyPath;
  readonly value: unknown;
}

/**
 * Parses `--set key.path=value`. The value is read as YAML, so `1e-4` is a number, `true` a
 * boolean, `[q_proj, v_proj]` a list and `null` unsets the key, exactly as in the file.
 */
export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  const path = (eq < 0 ? '' : text.slice(0, eq)).split('.');
  if (eq < 0 || path.some((k) => k.trim() === '')) throw new UsageError(`--set ${text}: expected key.path=value, e.g. training.learning_rate=1e-4`);
  let value: unknown;
  try {
    value = parse(text.slice(eq + 1));
  } catch (e) {
    throw new UsageError(`--set ${text}: the value is not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  return { path: path.map((k) => k.trim()), value };
}

/**
 * Writes each override into a copy of the config, creating the mappings on its way (so
 * `--set evaluation.path=x` works without an evaluation section). Key names are not checked here:
 * the config's validation reports an unknown one with a did-you-mean and names the `--set`.
 */
export function applyOverrides(data: unknown, overrides: readonly Override[]): Record<string, unknown> {
  if (!isMapping(data)) throw new UsageError('the config file must hold a mapping of sections (model:, data:, training:, ...)');
  const root = structuredClone(data);
  for (const { path, value } of overrides) {
    let node: Record<string, unknown> = root;
    path.slice(0, -1).forEach((key, i) => {
      node[key] ??= {};
      const next = node[key];
      if (!isMapping(next)) throw new UsageError(`--set ${path.join('.')}: ${path.slice(0, i + 1).join('.')} is ${JSON.stringify(next)}, not a mapping`);
      node = next;
    });
    node[path[path.length - 1]] = value;
  }
  return root;
}
