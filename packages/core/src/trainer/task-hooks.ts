import type { FloatDType } from '../dtype.js';
import type { Executor } from '../executors/executor.interface.js';
import type { Module } from '../nn/module.js';
import type { TrainDataSource } from './data-source.interface.js';
import type { TrainingArguments } from './training-arguments.js';

/**
 * The run's tokenizer as a task sees it. Declared structurally so core names no tokenizer
 * implementation: the models package's `HfTokenizer` satisfies it, and so does the data package's
 * `ChatTokenizer` contract.
 */
export interface TaskTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  applyChatTemplate(
    messages: readonly { readonly role: string; readonly content: string }[],
    options?: { addGenerationPrompt?: boolean; extra?: Readonly<Record<string, unknown>> },
  ): string;
  readonly eosTokenId: number | null | undefined;
  readonly padTokenId: number | null | undefined;
}

/** What `TaskProvider.create` gets besides the model: what a task needs from the run. */
export interface TaskContext {
  readonly tokenizer: TaskTokenizer;
  /** The run's executor (a task may run a pass before training, e.g. precomputed reference log-probs). */
  readonly executor: Executor;
  /** The method's name (`lora`, `full`, ...). */
  readonly method: string;
  /**
   * Traces `fn` with the method's adapter switched off: the base model, which is the reference of
   * LoRA-family preference methods, traced into the same step. Absent when the method trains the
   * base weights themselves (`full`): there is no adapter to switch off.
   */
  readonly disableAdapter?: <T>(fn: () => T) => T;
  /**
   * Runs `fn`, inference only, with the method's adapter folded into the base weights (computed by
   * `executor`; one matmul per layer, so sampling decodes at the base model's speed), and the base
   * weights put back exactly after. Absent where the method has no such merge.
   */
  readonly withMergedAdapter?: <T>(executor: Executor, fn: () => Promise<T>) => Promise<T>;
  /** The run's `output_dir`: what a task computes once for the run (reference log-probs) is stored there. */
  readonly outputDir: string;
  /** The trainer's arguments: online tasks size their rollouts by batch size and accumulation, and seed their sampler. */
  readonly training?: Readonly<TrainingArguments>;
  /** The model's generation_config.json (EOS and pad ids for sampling), or null. */
  readonly generationConfig?: Readonly<Record<string, unknown>> | null;
}

/** What a task's own data pipeline is given by the run. */
export interface TaskDataContext {
  readonly tokenizer: TaskTokenizer;
  /** Folder relative data paths resolve against (the config file's). */
  readonly cwd: string;
  /** Makes `hf://datasets/...` files local; returns the snapshot folder (the data package's HubFilesResolver). */
  readonly resolveHubFiles?: (ref: { readonly repoType: 'dataset'; readonly repo: string; readonly revision?: string; readonly pattern: string }) => Promise<string>;
  readonly trainBatchSize: number;
  readonly evalBatchSize: number;
  /** Whether the run evaluates (`eval_strategy` is not "no"): only then is a validation source wanted. */
  readonly evaluates: boolean;
}

/** A task's training data, from its own pipeline (preference pairs, prompts) instead of the SFT loader. */
export interface TaskData {
  readonly train: TrainDataSource;
  readonly validation: TrainDataSource | null;
  /** The run log's `data:` line, without the `data: ` prefix (examples read, truncated, dropped). */
  readonly description: string;
  /** Things in the data a user should know before trusting the run, one line each (printed as warnings). */
  readonly warnings?: readonly string[];
}

/** What a task's own model loader is given. */
export interface TaskModelContext {
  /** Storage dtype of the parameters (`model.dtype`). */
  readonly dtype: FloatDType;
  /** The run's seed: new weights (a fresh head) are drawn from it. */
  readonly seed: number;
  /**
   * The run's causal LM as `model:` and `quantization:` describe it: quantized while loading (QLoRA)
   * or a random init (`train_from_scratch`). A task that builds its model on a causal LM (a reward
   * head on its backbone) loads it through this, so those settings reach it.
   */
  readonly causalLm: CausalLmSource;
}

/** How the run loads its causal LM, for a task whose own model wraps one. */
export interface CausalLmSource {
  /** The base is quantized (a quantization section, or a bitsandbytes checkpoint on disk) or drawn at random. */
  readonly altered: 'quantized' | 'from-scratch' | null;
  load(dir: string): Promise<{ readonly model: Module; readonly description: string }>;
}

/** A task's own model (the reward task's sequence classifier) instead of the causal LM. */
export interface TaskModel<M extends Module = Module> {
  /** What the method adapts and the task traces: parameters under their Hugging Face names, and the model's parsed config. */
  readonly model: M & { readonly config?: { readonly modelType?: string } };
  /** generation_config.json to save beside a full fine-tune, or null. */
  readonly generationConfig: Readonly<Record<string, unknown>> | null;
  /** The run log's `model:` line, without the `model: ` prefix. */
  readonly description: string;
}
