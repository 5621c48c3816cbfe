import { type GrpoConfig, parseGrpoConfig } from './grpo.config.js';
import { GrpoTask } from './grpo.task.js';
import { onlineTaskProvider } from './online.provider.js';

/** `task: grpo` with a `grpo:` section of TRL 1.9's GRPOConfig names. */
export const GRPO_TASK = onlineTaskProvider<GrpoConfig>({ name: 'grpo', parseConfig: parseGrpoConfig, createTask: (ctx, config) => new GrpoTask(ctx, config) });
