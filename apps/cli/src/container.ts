import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { EVENT_BUS, EventBus } from '@tunekit/core';
import { registerBuiltins } from './builtins.js';
import { COMMAND } from './commands/command.interface.js';
import { ChatCommand } from './commands/chat.command.js';
import { EvalCommand } from './commands/eval.command.js';
import { GenerateCommand } from './commands/generate.command.js';
import { InfoCommand } from './commands/info.command.js';
import { InitCommand } from './commands/init.command.js';
import { ExportCommand } from './commands/export.command.js';
import { MergeCommand } from './commands/merge.command.js';
import { QuantizeCommand } from './commands/quantize.command.js';
import { ReportCommand } from './commands/report.command.js';
import { TokenizerCommand } from './commands/tokenizer.command.js';
import { TrainCommand } from './commands/train.command.js';
import { ScoreCommand } from './commands/score.command.js';
import { ExecutorChoice } from './executor-choice.js';
import { EXECUTOR_CHOICE, ROOT_CONTAINER } from './tokens.js';

const COMMANDS = [InfoCommand, InitCommand, TrainCommand, EvalCommand, ScoreCommand, ExportCommand, MergeCommand, QuantizeCommand, GenerateCommand, ChatCommand, TokenizerCommand, ReportCommand];

/**
 * The composition root: the only place that builds a container. Implementations are registered
 * under their tokens and chosen by name (`--executor`, `method:`, `task:`), never by a map here.
 */
export function buildContainer(opts: { executor?: string } = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(EXECUTOR_CHOICE, { useValue: new ExecutorChoice(opts.executor ?? null, c) });
  c.register(EVENT_BUS, { useValue: new EventBus() });
  c.register(ROOT_CONTAINER, { useValue: c });
  registerBuiltins(c);
  for (const command of COMMANDS) c.register(COMMAND, { useClass: command });
  return c;
}
