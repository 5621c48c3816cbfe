import type { Module } from '@tunekit/core';
import { CausalLMBase } from '@tunekit/models';
import { AdapterCheckpointer, type SavedKey } from '../peft/adapter-checkpointer.js';
import type { AdapterHandle } from '../peft/peft-method.interface.js';
import { trainableParametersLine } from '../peft/parameter-count.js';
import { type PromptEncoder, PromptEncoderDict } from './prompt-encoder-dict.js';
import type { PromptLearningConfig, Resolved } from './prompt-learning.config.js';

/** Where PEFT keeps the encoders of a prompt-learning adapter (`PeftModel.prompt_encoder`). */
export const PROMPT_ENCODER = 'prompt_encoder';

/** The model a prompt-learning method can adapt: one of @tunekit/models' causal LMs, which take virtual tokens. */
export function asCausalLM(model: Module, method: string): CausalLMBase {
  if (!(model instanceof CausalLMBase)) {
    throw new Error(`${method}: needs a causal LM from @tunekit/models (Llama, Mistral, Qwen2/3 or GPT-2) to put virtual tokens in front of, got ${model.constructor.name}`);
  }
  return model;
}

/**
 * A prompt-learning adapter on a model (PEFT's PeftModel for PROMPT_TUNING / PREFIX_TUNING): the
 * encoder installed as the model's virtual token source, the base model frozen. Nothing in the base
 * weights changes, so there is nothing to merge.
 */
export class PromptLearningAdapter<R extends Resolved<PromptLearningConfig>, E extends PromptEncoder = PromptEncoder> {
  readonly encoders: PromptEncoderDict;

  constructor(
    readonly method: string,
    readonly model: CausalLMBase,
    readonly config: R,
    readonly encoder: E,
    opts: { adapterName?: string; trainable?: boolean } = {},
  ) {
    this.encoders = model.installVirtualTokens(PROMPT_ENCODER, new PromptEncoderDict(opts.adapterName ?? 'default', encoder));
    model.freeze();
    if (opts.trainable !== false) model.unfreeze((n) => n.startsWith(`${PROMPT_ENCODER}.`));
    // New parameter paths: optimizer state and checkpoints key parameters by name.
    model.nameParameters();
  }

  trainableParametersLine(): string {
    return trainableParametersLine(this.model);
  }

  /** Runs `fn` (a trace) without the virtual tokens: the base model, e.g. DPO's reference. */
  disableAdapter<T>(fn: () => T): T {
    const saved = this.encoders.disabled;
    this.encoders.disabled = true;
    try {
      return fn();
    } finally {
      this.encoders.disabled = saved;
    }
  }

  mergeAndUnload(): never {
    throw new Error(
      `${this.method}: cannot merge into the base weights: the adapter adds ${this.config.num_virtual_tokens} virtual tokens in front of every input and changes no weight; save it and load it on the base model instead`,
    );
  }

  /** `savedKey`: a trainable parameter's key in the saved adapter file (see AdapterCheckpointer). */
  handle(save: AdapterHandle['save'], savedKey: SavedKey): AdapterHandle {
    const h: AdapterHandle = {
      method: this.method,
      model: this.model,
      trainableParameters: () => this.model.trainableParameters(),
      trainableParametersLine: () => this.trainableParametersLine(),
      save,
      mergeAndUnload: () => this.mergeAndUnload(),
      disableAdapter: (fn) => this.disableAdapter(fn),
      checkpointer: (opts) => new AdapterCheckpointer(h, savedKey, opts?.baseModel),
    };
    return h;
  }
}
