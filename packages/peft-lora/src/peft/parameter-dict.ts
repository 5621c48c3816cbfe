import { Module, type Parameter } from '@tunekit/core';

/** Parameters keyed by name (nn.ParameterDict), so an (IA)³ vector is `ia3_l.<adapter>` as in PEFT. */
export class ParameterDict extends Module {
  private readonly items = new Map<string, Parameter>();

  set(name: string, p: Parameter): Parameter {
    this.items.set(name, this.param(name, p));
    return p;
  }

  get(name: string): Parameter | undefined {
    return this.items.get(name);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  forward(): never {
    throw new Error('ParameterDict is a container: read its parameters');
  }
}
