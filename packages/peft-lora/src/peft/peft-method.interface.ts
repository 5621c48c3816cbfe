import type { Executor, ModelCheckpointer, Module, Parameter } from '@tunekit/core';
import type { TextTokenizer } from '@tunekit/models';

export interface SaveOptions {
  /** Written as the adapter's base_model_name_or_path. */
  baseModel?: string;
  /** generation_config.json of the base, for methods that save a whole model. */
  generationConfig?: Record<string, unknown> | null;
}

/** What a trainer or the CLI needs from an adapted model, whatever the method. */
export interface AdapterHandle {
  readonly method: string;
  readonly model: Module;
  trainableParameters(): Parameter[];
  trainableParametersLine(): string;
  /** Writes the result in its method's format (PEFT's layout for PEFT methods, a whole checkpoint for full fine-tuning). */
  save(dir: string, opts?: SaveOptions): Promise<void>;
  /**
   * Saves and restores the method's own trainable state inside a trainer checkpoint, so a resumed
   * run continues from exactly the values it stopped with (see AdapterCheckpointer for PEFT files).
   */
  checkpointer(opts?: { baseModel?: string }): ModelCheckpointer;
  /** Folds the adapter into the base weights where the method allows it, returning the plain model. */
  mergeAndUnload(): Module;
  /** Traces `fn` with the adapter switched off (the base model, e.g. DPO's reference). */
  disableAdapter<T>(fn: () => T): T;
  /**
   * Runs `fn`, inference only (sampling), with the adapter folded into the base weights (computed
   * by `executor`), and puts the base weights back exactly after; absent where the method has no
   * such merge.
   */
  withMergedAdapter?<T>(executor: Executor, fn: () => Promise<T>): Promise<T>;
}

/**
 * A parameter-efficient method as a plugin: validated options, a transform that adapts a model,
 * and a loader for saved adapters. Registered under PEFT_METHOD; configs pick one by `name`.
 */
export interface PeftMethod<C = unknown> {
  readonly name: string;
  /**
   * Set by a method that updates the base model's own weights, to how messages name it ('full
   * fine-tuning'): a quantized base's 4/8-bit codes cannot take its updates.
   */
  readonly trainsBaseWeights?: string;
  parseConfig(raw: Record<string, unknown>): C;
  /** `tokenizer`: the model's, for methods that initialise from text (prompt tuning's TEXT init). */
  apply(model: Module & { config?: { modelType?: string } }, config: C, opts?: { seed?: number; tokenizer?: TextTokenizer }): AdapterHandle;
  load(model: Module & { config?: { modelType?: string } }, dir: string, opts?: { trainable?: boolean }): Promise<AdapterHandle>;
  /** Whether a folder holds an adapter of this method (its config file says so). */
  recognises(adapterConfig: Record<string, unknown>): boolean;
}
