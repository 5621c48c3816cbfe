import type { Executor, ModelCheckpointer, Module } from '@tunekit/core';
import type { RawConfig, TextTokenizer } from '@tunekit/models';
import type { PeftMethod } from '@tunekit/peft-lora';
import type { RunConfig } from '../config/run-config.types.js';

/** What `method:` decides in a run: which weights train, what checkpoints hold, what the run leaves behind. */
export interface PreparedMethod {
  /** PEFT's `trainable params: N || all params: M || trainable%: P` line. */
  readonly trainableLine: string;
  /** The method's own: it saves and restores its trainable state in each checkpoint. */
  readonly checkpointer: ModelCheckpointer;
  /** Writes the trained result into `dir`: PEFT adapter files, or a full Hugging Face checkpoint. */
  saveFinal(dir: string): Promise<void>;
  /** Traces `fn` with the adapter off (the base model); absent when the method trains the base weights themselves. */
  readonly disableAdapter?: <T>(fn: () => T) => T;
  /** Runs `fn` (sampling) with the adapter merged into the base weights; absent where the method cannot merge. */
  readonly withMergedAdapter?: <T>(executor: Executor, fn: () => Promise<T>) => Promise<T>;
}

export interface MethodInputs {
  readonly config: RunConfig;
  /** The causal LM, or a task's own model (a sequence classifier): parameters under Hugging Face names. */
  readonly model: Module & { readonly config?: { readonly modelType?: string } };
  readonly generationConfig: RawConfig | null;
  readonly method: PeftMethod;
  /** The model's tokenizer, for methods initialised from text (prompt tuning's TEXT init). */
  readonly tokenizer?: TextTokenizer;
}

/** Applies the configured method to the loaded model (in place) and says how its results are saved. */
export function prepareMethod({ config, model, generationConfig, method, tokenizer }: MethodInputs): PreparedMethod {
  const handle = method.apply(model, config.methodConfig, { seed: config.seed, tokenizer });
  // Optimizer state and checkpoints are keyed by parameter name, and a method adds new parameters.
  model.nameParameters();
  const baseModel = config.model.path;
  return {
    trainableLine: handle.trainableParametersLine(),
    checkpointer: handle.checkpointer({ baseModel }),
    saveFinal: (dir) => handle.save(dir, { baseModel, generationConfig }),
    ...(method.trainsBaseWeights ? {} : { disableAdapter: <T>(fn: () => T): T => handle.disableAdapter(fn) }),
    ...(handle.withMergedAdapter ? { withMergedAdapter: handle.withMergedAdapter.bind(handle) } : {}),
  };
}
