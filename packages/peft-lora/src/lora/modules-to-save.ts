import { Module } from '@tunekit/core';
import { ModuleDict } from '../peft/module-dict.js';

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

