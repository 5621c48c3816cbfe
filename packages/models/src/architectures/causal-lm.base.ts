import { F, Module, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { CausalLM, CausalLMOutput, ForwardOptions } from './causal-lm.interface.js';

/** What every causal LM shares: the shifted loss. Architectures implement `forward`. */
export abstract class CausalLMBase extends Module implements CausalLM {
  constructor(readonly config: ModelConfig) {
    super();
  }

  abstract override forward(inputIds: Tensor, opts?: ForwardOptions): CausalLMOutput;

  /**
   * transformers' `gradient_checkpointing_enable()`: every decoder layer becomes a checkpoint
   * segment, recomputed in the backward pass, so a step keeps one hidden state per layer alive.
   */
  setGradientCheckpointing(enabled: boolean): void {
    for (const [, m] of this.namedModules()) {
      if ('gradientCheckpointing' in m && typeof m.gradientCheckpointing === 'boolean') m.gradientCheckpointing = enabled;
    }
  }

  loss(inputIds: Tensor, labels: Tensor, opts: ForwardOptions = {}): Tensor {
    const { logits } = (this as CausalLMBase).call(inputIds, opts);
    // Shift the labels rather than the logits (as transformers' ForCausalLMLoss does): the last
    // position gets -100, so the large [B, T, V] logits are never sliced and copied.
    const shifted = labels.slice(1, 1).pad([[0, 0], [0, 1]], -100);
    return F.crossEntropy(logits, shifted, { ignoreIndex: -100 });
  }
}
