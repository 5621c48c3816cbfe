import type { ModelCheckpointer, Module } from '@tunekit/core';
import { type CausalLM, type RawConfig, type TextTokenizer, saveModel } from '@tunekit/models';
import type { PeftMethod } from '@tunekit/peft-lora';
import { FULL_METHOD, type RunConfig } from '../config/run-config.types.js';
import { AdapterCheckpointer } from './adapter-checkpointer.js';

/** What `method:` decides in a run: which weights train, what checkpoints hold, what the run leaves behind. */
export interface PreparedMethod {
  /** PEFT's `trainable params: N || all params: M || trainable%: P` line. */
  readonly trainableLine: string;
  /** Null: the trainer's default, every trainable parameter under its own name. */
  readonly checkpointer: ModelCheckpointer | null;
  /** Writes the trained result into `dir`: PEFT adapter files, or a full Hugging Face checkpoint. */
  saveFinal(dir: string): Promise<void>;
}

export interface MethodInputs {
  readonly config: RunConfig;
  readonly model: CausalLM;
  readonly generationConfig: RawConfig | null;
  readonly methods: ReadonlyMap<string, PeftMethod>;
  /** The model's tokenizer, for methods initialised from text (prompt tuning's TEXT init). */
  readonly tokenizer?: TextTokenizer;
}

function parameterLine(model: Module): string {
  const all = model.parameters().reduce((n, p) => n + p.size, 0);
  const trainable = model.trainableParameters().reduce((n, p) => n + p.size, 0);
  const fmt = (n: number): string => n.toLocaleString('en-US');
  return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
}

function fullFineTuning({ model, generationConfig }: MethodInputs): PreparedMethod {
  model.unfreeze();
  return { trainableLine: parameterLine(model), checkpointer: null, saveFinal: (dir) => saveModel(model, dir, { generationConfig }) };
}

function peftMethod(method: PeftMethod, { config, model, tokenizer }: MethodInputs): PreparedMethod {
  const handle = method.apply(model, config.methodConfig, { seed: config.seed, tokenizer });
  const baseModel = config.model.path;
  return {
    trainableLine: handle.trainableParametersLine(),
    checkpointer: AdapterCheckpointer.for(handle, baseModel),
    saveFinal: (dir) => handle.save(dir, { baseModel }),
  };
}

/** Applies the configured method to the loaded model (in place) and says how its results are saved. */
export function prepareMethod(inputs: MethodInputs): PreparedMethod {
  const name = inputs.config.method;
  const peft = inputs.methods.get(name);
  if (name !== FULL_METHOD && !peft) throw new Error(`method "${name}" is not registered (have ${[FULL_METHOD, ...inputs.methods.keys()].join(', ')})`);
  const prepared = peft ? peftMethod(peft, inputs) : fullFineTuning(inputs);
  // Optimizer state and checkpoints are keyed by parameter name, and a method adds new parameters.
  inputs.model.nameParameters();
  return prepared;
}
