import { type PpoConfig, parsePpoConfig } from './ppo.config.js';
import { PPO_EXAMPLE_CONFIG } from './ppo.example-config.js';
import { type PpoModels, PpoTask } from './ppo.task.js';
import { onlineTaskProvider } from './online.provider.js';
import { loadRewardModelFrom } from './reward-model.source.js';
import { turnEndIds } from './turn-end.js';

/**
 * `task: ppo` with a `ppo:` section of TRL 1.9's PPOConfig names. The reward model is loaded twice:
 * once frozen to score, once as the value model's starting point (TRL's PPO example initialises the
 * value model from `reward_model_path`), which trains in full beside the policy's method.
 */
export const PPO_TASK = onlineTaskProvider<PpoConfig, PpoModels>({
  name: 'ppo',
  parseConfig: parsePpoConfig,
  loadExtras: async (config, cwd) => {
    const reward = await loadRewardModelFrom(config.reward_model_path, cwd);
    const value = await loadRewardModelFrom(config.reward_model_path, cwd);
    const turnEnd = config.score_at === 'turn_end' ? { turnEnd: turnEndIds(reward.tokenizer, `reward model ${config.reward_model_path}`) } : {};
    return { value: { reward: reward.model, value: value.model, ...turnEnd }, description: `scored by reward model ${reward.name}; value model initialised from it, trained in full` };
  },
  createTask: (ctx, config, models) => new PpoTask(ctx, config, models),
  exampleConfig: PPO_EXAMPLE_CONFIG,
});
