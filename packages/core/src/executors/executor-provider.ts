import type { DependencyContainer } from 'tsyringe';
import { EXECUTOR_PROVIDER } from './executor.tokens.js';
import type { Executor } from './executor.interface.js';
import { OrtExecutor } from './ort/ort.executor.js';
import { ReferenceExecutor } from './reference/reference.executor.js';

/** A named executor factory, so a config or a flag can pick `executor: ort | reference | <plugin>`. */
export interface ExecutorProvider {
  readonly name: string;
  create(): Executor;
}

/** ONNX Runtime on the CPU: the default. */
export const ORT_EXECUTOR: ExecutorProvider = { name: 'ort', create: () => new OrtExecutor() };
/** Plain TypeScript, slow and obviously correct: the oracle. */
export const REFERENCE_EXECUTOR: ExecutorProvider = { name: 'reference', create: () => new ReferenceExecutor() };

/** The executors core ships, under EXECUTOR_PROVIDER (a plugin registers more the same way). */
export function registerExecutors(container: DependencyContainer): void {
  for (const provider of [ORT_EXECUTOR, REFERENCE_EXECUTOR]) container.register(EXECUTOR_PROVIDER, { useValue: provider });
}

/**
 * Creates the executor registered under `name`. A later registration of a name wins, so a plugin
 * can replace a built-in one; an unknown name is an error listing the registered ones.
 */
export function createExecutor(providers: readonly ExecutorProvider[], name: string): Executor {
  const provider = providers.findLast((p) => p.name === name);
  if (!provider) throw new Error(`unknown executor "${name}"; choose one of ${[...new Set(providers.map((p) => p.name))].join(', ')}`);
  return provider.create();
}
