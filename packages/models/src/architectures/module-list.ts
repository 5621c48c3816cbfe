import { Module } from '@tunekit/core';

/** Children named 0, 1, 2, ... (nn.ModuleList), so parameters are `layers.3.mlp.up_proj.weight`. */
export class ModuleList<M extends Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    this.items = items.map((m, i) => this.module(String(i), m));
  }

  get length(): number {
    return this.items.length;
  }

  forward(): never {
    throw new Error('ModuleList is a container: call its items');
  }
}
