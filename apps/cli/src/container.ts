import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { EVENT_BUS, EXECUTOR, EventBus, OrtExecutor, ReferenceExecutor, type Executor } from '@tunekit/core';
import { registerBuiltinMethods } from './builtins.js';
import { COMMAND } from './commands/command.interface.js';
import { EvalCommand } from './commands/eval.command.js';
import { GenerateCommand } from './commands/generate.command.js';
import { InfoCommand } from './commands/info.command.js';
import { InitCommand } from './commands/init.command.js';
import { MergeCommand } from './commands/merge.command.js';
import { QuantizeCommand } from './commands/quantize.command.js';
import { TokenizerCommand } from './commands/tokenizer.command.js';
import { TrainCommand } from './commands/train.command.js';
import { ROOT_CONTAINER } from './tokens.js';

const EXECUTORS: Record<string, () => Executor> = {
  ort: () => new OrtExecutor(),
  reference: () => new ReferenceExecutor(),
};

const COMMANDS = [InfoCommand, InitCommand, TrainCommand, EvalCommand, MergeCommand, QuantizeCommand, GenerateCommand, TokenizerCommand];

/** The composition root: the only place that builds a container and picks implementations. */
export function buildContainer(opts: { executor?: string } = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  const name = opts.executor ?? 'ort';
  const make = EXECUTORS[name];
  if (!make) throw new Error(`unknown executor "${name}"; choose one of ${Object.keys(EXECUTORS).join(', ')}`);
  c.register(EXECUTOR, { useValue: make() });
  c.register(EVENT_BUS, { useValue: new EventBus() });
  c.register(ROOT_CONTAINER, { useValue: c });
  registerBuiltinMethods(c);
  for (const command of COMMANDS) c.register(COMMAND, { useClass: command });
  return c;
}
