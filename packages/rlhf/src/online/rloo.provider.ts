import { onlineTaskProvider } from './online.provider.js';
import { type RlooConfig, parseRlooConfig } from './rloo.config.js';
import { RlooTask } from './rloo.task.js';

/** `task: rloo` with an `rloo:` section of TRL 1.9's RLOOConfig names. */
export const RLOO_TASK = onlineTaskProvider<RlooConfig>({ name: 'rloo', parseConfig: parseRlooConfig, createTask: (ctx, config) => new RlooTask(ctx, config) });
