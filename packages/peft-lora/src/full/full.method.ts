import { type FloatDType, type Module, TrainableParametersCheckpointer } from '@tunekit/core';
import { type CausalLM, type RawConfig, loadWeights, saveModel } from '@tunekit/models';
import { readPeftOptions } from '../peft/config-validation.js';
import { trainableParametersLine } from '../peft/parameter-count.js';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';

/** `method: full`: full fine-tuning, every weight of the model trained. */
export const FULL = 'full';

/** Full fine-tuning's result is the model itself, saved as a whole Hugging Face checkpoint. */
function handle(model: Module): AdapterHandle {
  return {
    method: FULL,
    model,
    trainableParameters: () => model.trainableParameters(),
    trainableParametersLine: () => trainableParametersLine(model),
    save: (dir, opts) => saveModel(model as CausalLM, dir, { generationConfig: (opts?.generationConfig ?? null) as RawConfig | null }),
    // The trained weights are the model's own: there is nothing to fold in.
    mergeAndUnload: () => model,
    disableAdapter: () => {
      throw new Error('full fine-tuning has no adapter to switch off: the base weights themselves were trained (load the base model again for a reference)');
    },
    // Every trainable parameter under its own (HF) name in model.safetensors, as the trainer's default does.
    checkpointer: () => new TrainableParametersCheckpointer(model),
  };
}

/**
 * Full fine-tuning as a PEFT_METHOD like any other, so the CLI has no special case for it. It takes
 * no options, and a folder it wrote is a model (loaded with --model), never an adapter.
 */
export const FULL_METHOD: PeftMethod<null> = {
  name: FULL,
  trainsBaseWeights: 'full fine-tuning',
  parseConfig: (raw) => {
    readPeftOptions(raw, {}, 'full fine-tuning');
    return null;
  },
  apply: (model) => {
    model.unfreeze();
    return handle(model);
  },
  /** Reads a saved full fine-tune's weights into a model of the same architecture. */
  load: async (model, dir, opts) => {
    const causal = model as CausalLM;
    // Read into the dtype the model is stored in.
    await loadWeights(causal, dir, (causal.parameters()[0]?.dtype ?? 'f32') as FloatDType);
    if (opts?.trainable) model.unfreeze();
    else model.freeze();
    return handle(model);
  },
  recognises: () => false,
};
