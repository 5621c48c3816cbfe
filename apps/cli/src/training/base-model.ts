import type { Module, TaskProvider } from '@tunekit/core';
import { type CausalLM, type RawConfig, loadModel } from '@tunekit/models';
import { type LoadedAnyModel, describeBnbConfig, loadAnyModel } from '@tunekit/qlora';
import { CliError } from '../cli-error.js';
import type { PeftMethod } from '@tunekit/peft-lora';
import type { RunConfig } from '../config/run-config.types.js';

/**
 * The run's base model: a random init (train_from_scratch), or the folder as stored (a bitsandbytes
 * checkpoint loads quantized), quantized while loading when the config has a quantization section.
 */
export async function loadBaseModel(config: RunConfig, dir: string, method: PeftMethod): Promise<LoadedAnyModel> {
  const { dtype } = config.model;
  if (config.model.trainFromScratch) {
    const loaded = await loadModel(dir, { dtype, fromScratch: { seed: config.training.seed } });
    return { ...loaded, quantization: null, quantizedAt: null, quantized: [] };
  }
  const loaded = await loadAnyModel(dir, { dtype, quantization: config.quantization });
  // The config check catches a quantization section; a folder that is quantized on disk shows only now.
  if (loaded.quantization && method.trainsBaseWeights) {
    throw new CliError(
      `${config.model.path} is a quantized checkpoint (${describeBnbConfig(loaded.quantization)}): ${method.trainsBaseWeights} cannot train quantized weights; use a PEFT method such as method: lora (QLoRA), or train the full-precision model`,
      2,
    );
  }
  return loaded;
}

/** The `model:` line of a run's log. */
export function describeBaseModel(config: RunConfig, loaded: LoadedAnyModel): string {
  return `model: ${config.model.path} (${describeLoading(config, loaded)})`;
}

/** How the base was loaded: `llama, f32, 4-bit nf4 …, 28 layers quantized while loading`. */
function describeLoading(config: RunConfig, loaded: LoadedAnyModel): string {
  const parts: string[] = [loaded.config.modelType, config.model.dtype];
  if (config.model.trainFromScratch) parts.push('from scratch');
  if (loaded.quantization) {
    parts.push(`${describeBnbConfig(loaded.quantization)}, ${loaded.quantized.length} layers ${loaded.quantizedAt === 'load' ? 'quantized while loading' : 'as stored'}`);
  }
  return parts.join(', ');
}

/** The model a run trains: the task's own (a sequence classifier) when it brings a loader, else the causal LM. */
export interface RunModel {
  readonly model: Module & { readonly config?: { readonly modelType?: string } };
  readonly generationConfig: RawConfig | null;
  /** The run log's `model:` line. */
  readonly description: string;
  /** The causal LM, for what generates (evaluation, samples); null for a task's own model. */
  readonly causal: CausalLM | null;
}

export async function loadRunModel(config: RunConfig, dir: string, method: PeftMethod, task: TaskProvider): Promise<RunModel> {
  if (task.loadModel) {
    const causalLm = {
      altered: config.quantization ? ('quantized' as const) : config.model.trainFromScratch ? ('from-scratch' as const) : null,
      async load(from: string) {
        const loaded = await loadBaseModel(config, from, method);
        return { model: loaded.model, description: describeLoading(config, loaded) };
      },
    };
    const own = await task.loadModel(dir, config.taskConfig, { dtype: config.model.dtype, seed: config.training.seed, causalLm });
    return { model: own.model, generationConfig: own.generationConfig as RawConfig | null, description: `model: ${config.model.path} (${own.description})`, causal: null };
  }
  const loaded = await loadBaseModel(config, dir, method);
  const causal = loaded.model as CausalLM;
  return { model: causal, generationConfig: loaded.generationConfig, description: describeBaseModel(config, loaded), causal };
}
