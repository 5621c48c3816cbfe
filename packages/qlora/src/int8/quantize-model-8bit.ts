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

/**
 * Replaces every `Linear` and GPT-2 `Conv1D` of `model` that is not skipped with a frozen
 * `Linear8bit` (`load_in_8bit`; embeddings and norms are not Linear and stay as they are), then
 * renames parameters after their new paths. Returns the replaced paths.
 */
export function quantizeModel8bit<M extends Module>(model: M, opts: QuantizeModel8bitOptions = {}): string[] {
  const skip = opts.skipModules ?? DEFAULT_SKIP_MODULES;
  const targets = [...model.namedModules()].filter(
    (entry): entry is [string, Linear | Conv1D] =>
      (entry[1] instanceof Linear || entry[1] instanceof Conv1D) && entry[0] !== '' && !isSkippedModule(entry[0], skip),
  );
  for (const [path, layer] of targets) {
    const cut = path.lastIndexOf('.');
    const parent = cut < 0 ? model : model.getModule(path.slice(0, cut));
    if (!parent) throw new Error(`quantizeModel8bit: no parent module for "${path}"`);
    parent.replaceModule(path.slice(cut + 1), Linear8bit.fromLinear(layer, { threshold: opts.threshold }));
  }
  model.nameParameters();
  return targets.map(([path]) => path);
}
