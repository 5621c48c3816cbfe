import { Module } from '@tunekit/core';
import { matchesModules } from './module-match.js';
import { ModuleDict } from './module-dict.js';
import { replaceModuleAt } from './module-paths.js';

/**
 * A module trained in full beside the adapter (PEFT's ModulesToSaveWrapper): the original stays as
 * `original_module`, each adapter trains its own copy under `modules_to_save.<adapter>`.
 */
export class ModulesToSave extends Module {
  readonly original_module: Module;
  readonly modules_to_save = this.module('modules_to_save', new ModuleDict<Module>());
  private active: string | null = null;
  disabled = false;

  constructor(original: Module) {
    super();
    this.original_module = this.module('original_module', original);
  }

  addCopy(adapterName: string): void {
    const copy = this.original_module.clone();
    this.modules_to_save.set(adapterName, copy);
    this.active ??= adapterName;
  }

  setActive(adapterName: string): void {
    this.active = this.modules_to_save.get(adapterName) ? adapterName : null;
  }

  unwrap(): Module {
    return this.active ? this.modules_to_save.get(this.active)! : this.original_module;
  }

  forward(...args: never[]): unknown {
    const target = this.disabled || !this.active ? this.original_module : this.modules_to_save.get(this.active)!;
    return (target.call as (...a: unknown[]) => unknown).apply(target, args);
  }
}

/** Every ModulesToSave wrapper in `model`, with its path. */
export function modulesToSaveIn(model: Module): [string, ModulesToSave][] {
  return [...model.namedModules()].filter((e): e is [string, ModulesToSave] => e[1] instanceof ModulesToSave);
}

/** Wraps each module named by `target` (PEFT's matching) and gives adapter `adapterName` its own trainable copy. */
export function wrapModulesToSave(model: Module, target: string, adapterName: string, where: string): void {
  const matches = [...model.namedModules()].filter(([n, m]) => n && !(m instanceof ModulesToSave) && matchesModules(n, [target]) && !n.includes('.modules_to_save.') && !n.includes('.original_module'));
  if (!matches.length) throw new Error(`${where}: modules_to_save entry "${target}" matched no module`);
  for (const [name, m] of matches) {
    const existing = model.getModule(name);
    const wrapper = existing instanceof ModulesToSave ? existing : new ModulesToSave(m);
    wrapper.addCopy(adapterName);
    if (!(existing instanceof ModulesToSave)) replaceModuleAt(model, name, wrapper, where);
  }
}

/** Puts the active copy of every wrapped module back in its place (the trained module stays). */
export function unwrapModulesToSave(model: Module, where: string): void {
  for (const [name, m] of modulesToSaveIn(model)) replaceModuleAt(model, name, m.unwrap(), where);
}
