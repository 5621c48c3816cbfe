import { Linear, type Module } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { DEFAULT_SKIP_MODULES, isSkippedModule } from '../config/skip-modules.js';
import { Linear8bit, type Linear8bitOptions } from './linear-8bit.js';

export interface QuantizeModel8bitOptions extends Linear8bitOptions {
  /**
   * `llm_int8_skip_modules`: modules left in full precision (see isSkippedModule). A given list
   * replaces the default `['lm_head']`, as in transformers, so name the head too if it should stay.
   */
  skipModules?: readonly string[] | null;
}

/** A layer's weight as its checkpoint stores it ([out, in]; [in, out] for Conv1D) and its bias, fetched just before it is quantized. */
export type Int8WeightSource = (path: string, layer: Linear | Conv1D) => Promise<{ weight: Float32Array; bias: Float32Array | null }>;

/** The Linears and GPT-2 Conv1Ds `quantizeModel8bit` replaces: every one not skipped. */
export function int8QuantizationTargets(model: Module, skipModules?: readonly string[] | null): [string, Linear | Conv1D][] {
  const skip = skipModules ?? DEFAULT_SKIP_MODULES;
  return [...model.namedModules()].filter(
    (entry): entry is [string, Linear | Conv1D] =>
      (entry[1] instanceof Linear || entry[1] instanceof Conv1D) && entry[0] !== '' && !isSkippedModule(entry[0], skip),
  );
}

function replaceAt(model: Module, path: string, layer: Linear8bit): void {
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? model : model.getModule(path.slice(0, cut));
  if (!parent) throw new Error(`quantizeModel8bit: no parent module for "${path}"`);
  parent.replaceModule(path.slice(cut + 1), layer);
}

/**
 * Replaces every `Linear` and GPT-2 `Conv1D` of `model` that is not skipped with a frozen
 * `Linear8bit` (`load_in_8bit`; embeddings and norms are not Linear and stay as they are), then
 * renames parameters after their new paths. Returns the replaced paths.
 */
export function quantizeModel8bit<M extends Module>(model: M, opts: QuantizeModel8bitOptions = {}): string[] {
  const targets = int8QuantizationTargets(model, opts.skipModules);
  for (const [path, layer] of targets) replaceAt(model, path, Linear8bit.fromLinear(layer, { threshold: opts.threshold }));
  model.nameParameters();
  return targets.map(([path]) => path);
}

/**
 * `quantizeModel8bit` with each weight fetched from `source` right before it is quantized and
 * dropped right after, so quantizing while loading never holds more than one full-precision weight.
 */
export async function quantizeModel8bitFrom<M extends Module>(model: M, source: Int8WeightSource, opts: QuantizeModel8bitOptions = {}): Promise<string[]> {
  const targets = int8QuantizationTargets(model, opts.skipModules);
  for (const [path, layer] of targets) {
    const { weight, bias } = await source(path, layer);
    const conv1d = layer instanceof Conv1D;
    replaceAt(model, path, Linear8bit.fromWeight(layer.inFeatures, layer.outFeatures, weight, bias, { threshold: opts.threshold, conv1d }));
  }
  model.nameParameters();
  return targets.map(([path]) => path);
}
