import type { Module } from '@tunekit/core';
import { replaceModuleAt } from './module-paths.js';
import { unwrapModulesToSave } from './modules-to-save.js';

/**
 * Undoes a method's wrapping: every wrapper goes back to its `base_layer`, modules_to_save copies
 * are unwrapped, and the plain model is unfrozen and renamed.
 */
export function restoreBaseLayers(model: Module, wrapped: readonly [string, { readonly base_layer: Module }][], where: string): Module {
  for (const [path, layer] of wrapped) replaceModuleAt(model, path, layer.base_layer, where);
  unwrapModulesToSave(model, where);
  model.unfreeze();
  return model.nameParameters();
}
