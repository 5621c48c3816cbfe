import { EXECUTOR_PROVIDER, type ProgressOutput, TASK_PROVIDER, type TaskProvider, registerTrainer } from '@tunekit/core';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import type { DependencyContainer } from 'tsyringe';
import { registerBuiltins } from '../builtins.js';
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
  // method (or executor) would otherwise replace the built-in ones instead of joining them.
  registerBuiltins(container);
  registerTrainer(container, { progressOutput: options.progressOutput });
  for (const specifier of plugins) await (await loadPlugin(specifier, options.baseDir)).register(container);
  return container;
}

/** Registrations by name (a later registration of a name wins, so a plugin can replace a built-in one). */
const byName = <T extends { readonly name: string }>(entries: readonly T[]): ReadonlyMap<string, T> => new Map(entries.map((e) => [e.name, e]));

/** Registered PEFT methods by name. */
export function peftMethods(container: DependencyContainer): ReadonlyMap<string, PeftMethod> {
  return byName(container.resolveAll(PEFT_METHOD));
}

/** Registered tasks by name. */
export function trainingTasks(container: DependencyContainer): ReadonlyMap<string, TaskProvider> {
  return byName(container.resolveAll(TASK_PROVIDER));
}

/** What a run config's names are checked against: the container's registered methods, tasks and executors. */
export function registries(container: DependencyContainer) {
  return { methods: peftMethods(container), tasks: trainingTasks(container), executors: [...byName(container.resolveAll(EXECUTOR_PROVIDER)).keys()] };
}
