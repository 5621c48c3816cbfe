import type { DependencyContainer } from 'tsyringe';
import { TASK_PROVIDER } from './trainer.tokens.js';
import { type CausalLmModel, CausalLmTask } from './causal-lm.task.js';
import type { Module } from '../nn/module.js';
import type { Task } from './task.interface.js';
import type { TaskContext, TaskData, TaskDataContext, TaskModel, TaskModelContext } from './task-hooks.js';

/**
 * A training task by name (`task: sft | pretrain | <plugin>` in a run config), registered under
 * TASK_PROVIDER. It declares what the rest of the config defaults to, parses its own config
 * section, and makes the Task that turns a batch into a loss graph and reports its metrics.
 */
export interface TaskProvider<C = unknown, M extends Module = CausalLmModel> {
  readonly name: string;
  /** The method a config gets when it names none (pretraining trains every weight). */
  readonly defaultMethod: string;
  /** The data section's defaults for this task (its record format, which tokens are learned); what the user writes wins. */
  readonly dataDefaults: Readonly<Record<string, unknown>>;
  /**
   * Options of the config's section named after the task (`task: x` reads `x: {...}`); an absent
   * section is `{}`. Without a parser, the task takes no options and such a section is an error.
   */
  parseConfig?(raw: Record<string, unknown>): C;
  /**
   * Options the task gives a method's section, by method name, under what the user writes (the
   * reward task trains its head beside LoRA: `lora: { task_type: SEQ_CLS, modules_to_save: [score] }`).
   */
  readonly methodDefaults?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The task's own data pipeline (preference pairs, prompts) in place of the SFT loader. `data` is
   * the run's validated `data:` section (the data package's DatasetConfig), `config` the task's options.
   */
  loadData?(data: Readonly<Record<string, unknown>>, config: C, context: TaskDataContext): Promise<TaskData>;
  /**
   * The task's own model (a sequence classifier for reward modelling) from the model folder, in place
   * of the causal LM; the method is applied to it as to any model.
   */
  loadModel?(dir: string, config: C, context: TaskModelContext): Promise<TaskModel<M>>;
  /**
   * `loadModel` builds on the run's causal LM (`context.causalLm`), so a quantization section and
   * `train_from_scratch` apply to it; other tasks with their own model refuse them.
   */
  readonly ownModelWrapsCausalLm?: boolean;
  /**
   * The task for `model` (without `loadModel`, a causal LM whose `loss` shifts labels inside, as
   * transformers' do). `tunekit train` passes the run's context; callers without a run (`tunekit
   * eval`) may omit it, and a task that needs it says so.
   */
  create(model: M, config: C, context?: TaskContext): Task;
  /** A commented example run config for `tunekit init --task <name>` (a YAML document). */
  readonly exampleConfig?: string;
}

/** Causal-LM cross-entropy over the data package's labels (prompt tokens masked for SFT). */
const causalLm = (model: CausalLmModel): Task => new CausalLmTask(model, { labelsShiftedInside: true });

/** Supervised fine-tuning: prompt/completion or chat records, the completion learned, with LoRA by default. */
export const SFT_TASK: TaskProvider = { name: 'sft', defaultMethod: 'lora', dataDefaults: {}, create: causalLm };

/** Pretraining: plain text, every token learned, every weight trained. */
export const PRETRAIN_TASK: TaskProvider = { name: 'pretrain', defaultMethod: 'full', dataDefaults: { format: 'text', train_on_inputs: true }, create: causalLm };

/** The tasks core ships, under TASK_PROVIDER (a plugin registers more the same way). */
export function registerTasks(container: DependencyContainer): void {
  for (const task of [SFT_TASK, PRETRAIN_TASK]) container.register(TASK_PROVIDER, { useValue: task });
}
