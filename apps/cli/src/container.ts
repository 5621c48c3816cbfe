import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { EVENT_BUS, EXECUTOR, EventBus, OrtExecutor, ReferenceExecutor, type Executor } from '@tunekit/core';
import { COMMAND } from './commands/command.interface.js';
import { InfoCommand } from './commands/info.command.js';

const EXECUTORS: Record<string, () => Executor> = {
  ort: () => new OrtExecutor(),
  reference: () => new ReferenceExecutor(),
};

/** The composition root: the only place that builds a container and picks implementations. */
export function buildContainer(opts: { executor?: string } = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const name = opts.executor ?? 'ort';
  const make = EXECUTORS[name];
  if (!make) throw new Error(`unknown executor "${name}"; choose one of ${Object.keys(EXECUTORS).join(', ')}`);
  c.register(EXECUTOR, { useValue: make() });
  c.register(EVENT_BUS, { useValue: new EventBus() });
  c.register(COMMAND, { useClass: InfoCommand });
  return c;
}
