import { Module } from '@tunekit/core';

/** Children keyed by name (nn.ModuleDict), so adapter weights are `lora_A.<adapter>.weight` as in PEFT. */
export class ModuleDict<M extends Module> extends Module {
  private readonly items = new Map<string, M>();

  set(name: string, m: M): M {
    this.items.set(name, this.module(name, m));
    return m;
  }

  get(name: string): M | undefined {
    return this.items.get(name);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  forward(): never {
    throw new Error('ModuleDict is a container: call its items');
  }
}
