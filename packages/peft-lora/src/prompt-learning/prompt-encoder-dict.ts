import { Module } from '@tunekit/core';
import type { VirtualTokenSource, VirtualTokens } from '@tunekit/models';

/** One adapter's encoder: its parameters in, the model's virtual tokens out. */
export interface PromptEncoder extends Module {
  forward(): VirtualTokens;
}

/**
 * PEFT's `prompt_encoder` ModuleDict, installed on the model as its virtual token source: the
 * encoder sits under the adapter's name, so parameters are `prompt_encoder.default.embedding.weight`
 * as in a PeftModel. Switched off, it supplies nothing and the model runs as the base model.
 */
export class PromptEncoderDict extends Module implements VirtualTokenSource {
  disabled = false;

  constructor(
    readonly adapterName: string,
    readonly encoder: PromptEncoder,
  ) {
    super();
    this.module(adapterName, encoder);
  }

  forward(): VirtualTokens | null {
    return this.disabled ? null : this.encoder.call();
  }
}
