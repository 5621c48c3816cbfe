import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { CliError } from '../cli-error.js';

/** What a plugin package exports: one function that registers its providers (methods, callbacks, executors). */
export interface Plugin {
  register(container: DependencyContainer): void | Promise<void>;
}

/** A path is taken from the config's folder; a package name is looked up from there first (the user's node_modules), then from the CLI's. */
function importTarget(specifier: string, baseDir: string): string {
  if (specifier.startsWith('.') || isAbsolute(specifier)) return pathToFileURL(resolve(baseDir, specifier)).href;
  try {
    return pathToFileURL(createRequire(join(baseDir, 'package.json')).resolve(specifier)).href;
  } catch {
    return specifier;
  }
}

export async function loadPlugin(specifier: string, baseDir: string): Promise<Plugin> {
  let module: { register?: unknown; default?: { register?: unknown } };
  try {
    module = await import(importTarget(specifier, baseDir));
  } catch (e) {
    throw new CliError(`plugin "${specifier}": cannot load it (${(e as Error).message.split('\n')[0]})`, 2);
  }
  const register = module.register ?? module.default?.register;
  if (typeof register !== 'function') throw new CliError(`plugin "${specifier}": exports no register(container) function`, 2);
  return { register: register as Plugin['register'] };
}
