import { type ProgressOutput, registerTrainer } from '@tunekit/core';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import type { DependencyContainer } from 'tsyringe';
import { registerBuiltinMethods } from '../builtins.js';
import { loadPlugin } from './plugins.js';

/**
 * A run's own container under the CLI's root: the built-in methods, the trainer's event bus,
 * checkpointer and callbacks, then each listed plugin's `register(container)`, in the config's
 * order, so a plugin sees and may override what came before it.
 */
export async function buildRunContainer(
  root: DependencyContainer,
  plugins: readonly string[],
  options: { baseDir: string; progressOutput: ProgressOutput | null },
): Promise<DependencyContainer> {
  const container = root.createChildContainer();
  // Registered again here: a child's registrations of a token hide its parent's, so a plugin's
  // method would otherwise replace the built-in ones instead of joining them.
  registerBuiltinMethods(container);
  registerTrainer(container, { progressOutput: options.progressOutput });
  for (const specifier of plugins) await (await loadPlugin(specifier, options.baseDir)).register(container);
  return container;
}

/** Registered PEFT methods by name (a later registration of a name wins, so a plugin can replace one). */
export function peftMethods(container: DependencyContainer): ReadonlyMap<string, PeftMethod> {
  return new Map(container.resolveAll(PEFT_METHOD).map((m) => [m.name, m]));
}
