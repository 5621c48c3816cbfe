import type { Module } from '@tunekit/core';

/** The parent of the module at a dotted path and the child's own name there. */
export function parentOf(model: Module, path: string, where: string): [Module, string] {
  const dot = path.lastIndexOf('.');
  const parent = dot < 0 ? model : model.getModule(path.slice(0, dot));
  if (!parent) throw new Error(`${where}: no parent module for "${path}"`);
  return [parent, path.slice(dot + 1)];
}

/** Puts `m` where the module at `path` was (a wrapper in, or the original back). */
export function replaceModuleAt(model: Module, path: string, m: Module, where: string): void {
  const [parent, child] = parentOf(model, path, where);
  parent.replaceModule(child, m);
}
