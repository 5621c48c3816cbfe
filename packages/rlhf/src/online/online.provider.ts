import type { Batch, CausalLmModel, Task, TaskContext, TaskData, TaskDataContext, TaskProvider, TrainDataSource } from '@tunekit/core';
import { type PromptRecord, loadPromptDataset } from '@tunekit/data';
import type { CausalLM, RawConfig, TextTokenizer } from '@tunekit/models';
import type { OnlineConfig } from './online.config.js';
import { frozenCopy } from '../offline/reference/reference-policy.js';
import { type OnlineContext, type ReferenceScope, adapterReference, frozenReference } from './online-context.js';
import { type RewardSource, bindRewardSource, loadRewardSource } from './reward-model.source.js';
import type { RolloutDataSource } from './rollout.data-source.js';

/** What `loadData` read, waiting for `create` (which has the model) to make the task that samples from it. */
interface Pending<E> {
  readonly prompts: readonly PromptRecord[];
  readonly rewardSources: readonly RewardSource[];
  readonly extra: E;
  readonly source: DeferredSource;
}

/** What a method loads besides prompts and reward functions (PPO: its reward and value models), and the data line naming it. */
export interface OnlineExtras<E> {
  readonly value: E;
  readonly description: string;
}

/**
 * The trainer's data source, handed out by `loadData` before the task exists: batches are rollouts
 * of the policy, so the task's own source answers once `create` has bound it.
 */
class DeferredSource implements TrainDataSource {
  private target: RolloutDataSource | null = null;
  constructor(readonly batchSize: number) {}
  bind(target: RolloutDataSource): void {
    this.target = target;
  }
  private get bound(): RolloutDataSource {
    if (!this.target) throw new Error('online training: the data source is used before its task was created');
    return this.target;
  }
  numBatches(): number {
    return this.bound.numBatches();
  }
  batch(epoch: number, index: number): Promise<Batch> {
    return this.bound.batch(epoch, index);
  }
}

/** An online task instance: its rollout source and the checkpointer hook come with it. */
export type OnlineTaskOf = Task & { readonly data: RolloutDataSource };

/**
 * A TaskProvider for an online method (GRPO, RLOO): `loadData` reads the prompt-only dataset of the
 * `data:` section and the config's reward functions; `create` builds the task on the run's policy,
 * whose rollouts become the batches. The two calls meet through the parsed config object, which
 * the run passes to both.
 */
export function onlineTaskProvider<C extends OnlineConfig, E = null>(spec: {
  readonly name: string;
  readonly parseConfig: (raw: Record<string, unknown>) => C;
  /** A method whose rewards come from elsewhere than `reward_funcs` loads it here (from the config's folder `cwd`). */
  readonly loadExtras?: (config: C, cwd: string) => Promise<OnlineExtras<E>>;
  readonly createTask: (ctx: OnlineContext, config: C, extra: E) => OnlineTaskOf;
  readonly exampleConfig?: string;
}): TaskProvider<C> {
  const pending = new WeakMap<C, Pending<E>>();
  return {
    name: spec.name,
    defaultMethod: 'lora',
    dataDefaults: {},
    parseConfig: spec.parseConfig,
    ...(spec.exampleConfig ? { exampleConfig: spec.exampleConfig } : {}),
    async loadData(data: Readonly<Record<string, unknown>>, config: C, ctx: TaskDataContext): Promise<TaskData> {
      const paths = data.path as string | string[];
      const prompts = await loadPromptDataset(paths, ctx.tokenizer, { cwd: ctx.cwd, promptColumn: config.prompt_column, chatTemplateKwargs: config.chat_template_kwargs, ...(ctx.resolveHubFiles ? { resolveHubFiles: ctx.resolveHubFiles } : {}) });
      if (config.reward_funcs.length === 0 && !spec.loadExtras) throw new Error(`${spec.name}: reward_funcs names no reward function (e.g. reward_funcs: [./rewards.ts#exactMatch, path/to/reward-model])`);
      const rewardSources = await Promise.all(config.reward_funcs.map((f) => loadRewardSource(f, ctx.cwd)));
      const extras = spec.loadExtras ? await spec.loadExtras(config, ctx.cwd) : { value: null as E, description: `rewards from ${rewardSources.map((f) => f.name).join(', ')}` };
      const source = new DeferredSource(ctx.trainBatchSize);
      pending.set(config, { prompts, rewardSources, extra: extras.value, source });
      const warnings = ctx.evaluates ? [`${spec.name} does not evaluate a validation split (eval_strategy is ignored); measure the policy with the evaluation: section`] : [];
      return { train: source, validation: null, description: `${prompts.length} prompts, ${config.num_generations} completions each per rollout, ${extras.description}`, warnings };
    },
    create(model: CausalLmModel, config: C, context?: TaskContext): Task {
      const run = pending.get(config);
      if (!run || !context?.training) throw new Error(`${spec.name}: the task samples from its own prompts and needs the run's context; run it with tunekit train`);
      const policy = model as unknown as CausalLM;
      const t = context.training;
      // LoRA family: the adapter switched off. Full fine-tuning: a frozen copy of the weights as they start (only when beta needs it).
      const reference: ReferenceScope | null = context.disableAdapter ? adapterReference(policy, context.disableAdapter) : config.beta > 0 ? frozenReference(frozenCopy(policy)) : null;
      const task = spec.createTask(
        {
          model: policy,
          executor: context.executor,
          // The run's tokenizer is the models package's, which generation needs (decoding and streaming text).
          tokenizer: context.tokenizer as unknown as TextTokenizer,
          generationConfig: (context.generationConfig ?? null) as RawConfig | null,
          ...(reference ? { reference } : {}),
          ...(context.withMergedAdapter ? { withMergedAdapter: context.withMergedAdapter } : {}),
          prompts: run.prompts,
          // Reward models score a rollout's completions as one batch per micro-batch's worth of rows.
          rewardFunctions: run.rewardSources.map((r) => bindRewardSource(r, context.executor, { batchSize: t.per_device_train_batch_size, chatTemplateKwargs: config.chat_template_kwargs })),
          training: { per_device_train_batch_size: t.per_device_train_batch_size, gradient_accumulation_steps: t.gradient_accumulation_steps, seed: t.seed },
          outputDir: context.outputDir,
        },
        config,
        run.extra,
      );
      run.source.bind(task.data);
      return task;
    },
  };
}
