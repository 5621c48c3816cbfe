import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChatMessage } from '@tunekit/data';
import type { Reward } from './advantages.js';

/** What a reward function is called with, as TRL calls one: lists with one entry per completion. */
export interface RewardInputs {
  readonly prompts: readonly (string | readonly ChatMessage[])[];
  /** Text, or `[{role: 'assistant', content}]` when the prompt was a conversation (TRL's shape). */
  readonly completions: readonly (string | readonly ChatMessage[])[];
  readonly completionIds: readonly (readonly number[])[];
  /** Every other dataset column, repeated for each completion of its prompt. */
  readonly [column: string]: readonly unknown[];
}

/** A number per completion, or null where the function does not apply; may be async. */
export type RewardFunction = (inputs: RewardInputs) => readonly Reward[] | Promise<readonly Reward[]>;

export interface NamedRewardFunction {
  /** The export's name: how metrics name it (`rewards/<name>/mean`). */
  readonly name: string;
  readonly fn: RewardFunction;
}

/**
 * Loads `path#export` (`./rewards.ts#exactMatch`), the path taken from `baseDir` (the config's
 * folder). A `.ts` module needs the tsx loader, which the `tunekit` command runs under.
 */
export async function loadRewardFunction(spec: string, baseDir: string): Promise<NamedRewardFunction> {
  const hash = spec.lastIndexOf('#');
  if (hash <= 0 || hash === spec.length - 1) throw new Error(`reward_funcs: "${spec}" is not <module path>#<exported function>`);
  const [path, name] = [spec.slice(0, hash), spec.slice(hash + 1)];
  const target = path.startsWith('.') || isAbsolute(path) ? pathToFileURL(resolve(baseDir, path)).href : path;
  let module: Record<string, unknown>;
  try {
    module = await import(target);
  } catch (e) {
    throw new Error(`reward_funcs: cannot load "${path}" (${(e as Error).message.split('\n')[0]})`);
  }
  const fn = module[name];
  if (typeof fn !== 'function') {
    const exported = Object.keys(module).filter((k) => typeof module[k] === 'function');
    throw new Error(`reward_funcs: "${path}" exports no function "${name}"${exported.length ? ` (it exports ${exported.join(', ')})` : ''}`);
  }
  return { name, fn: fn as RewardFunction };
}

/** Each function's rewards, checked: one number or null per completion. */
export async function callRewardFunctions(functions: readonly NamedRewardFunction[], inputs: RewardInputs): Promise<Reward[][]> {
  const n = inputs.completions.length;
  return Promise.all(
    functions.map(async ({ name, fn }) => {
      const out = await fn(inputs);
      if (!Array.isArray(out) || out.length !== n) throw new Error(`reward function ${name}: expected ${n} rewards, got ${Array.isArray(out) ? out.length : typeof out}`);
      return out.map((r, i) => {
        if (r === null || r === undefined) return null;
        if (typeof r !== 'number' || Number.isNaN(r)) throw new Error(`reward function ${name}: reward ${i} is ${JSON.stringify(r)}, expected a number or null`);
        return r;
      });
    }),
  );
}
