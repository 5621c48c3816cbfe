import { type Embedding, F, Module, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { CausalLM, CausalLMOutput, ForwardOptions, HiddenStates } from './causal-lm.interface.js';
import type { VirtualTokenSource } from './virtual-tokens.js';

/**
 * What every causal LM shares: the forward around the architecture's hidden states and head, the
 * shifted loss, and the hook prompt-learning methods install. Architectures implement the rest.
 */
export abstract class CausalLMBase extends Module implements CausalLM {
  private virtualSource: VirtualTokenSource | null = null;

  constructor(readonly config: ModelConfig) {
    super();
  }

  /** Hidden states of every position this forward computes ([B, n + T, H], virtual embeddings first) and the cache. */
  protected abstract hiddenStates(inputIds: Tensor, opts: ForwardOptions): HiddenStates;

  /** A loss term the architecture adds to the cross-entropy (MoE load balancing); none by default. */
  protected auxiliaryLoss(_states: HiddenStates, _inputIds: Tensor, _opts: ForwardOptions): Tensor | null {
    return null;
  }

  /** Hidden states → logits. */
  protected abstract head(hidden: Tensor): Tensor;

  /** The token embedding (transformers' `get_input_embeddings()`). */
  abstract inputEmbeddings(): Embedding;

  /**
   * Installs a prompt-learning method's module as child `name`, so its parameters train and save
   * with the model; every forward that starts a sequence (no `past`, no explicit `virtualTokens`)
   * then puts its virtual tokens first. One source per model.
   */
  installVirtualTokens<S extends VirtualTokenSource>(name: string, source: S): S {
    if (this.virtualSource) throw new Error(`${this.config.modelType}: a virtual token source is already installed`);
    if (this.getModule(name)) throw new Error(`${this.config.modelType}: cannot install virtual tokens as "${name}": the model has a module of that name`);
    this.virtualSource = this.module(name, source);
    return source;
  }

  /** The installed virtual token source, if any. */
  get virtualTokenSource(): VirtualTokenSource | null {
    return this.virtualSource;
  }

  forward(inputIds: Tensor, opts: ForwardOptions = {}): CausalLMOutput {
    const { hidden, present, routerLogits } = this.withVirtualTokens(inputIds, opts);
    // Virtual positions (n) have no logits; of the tokens', keep the last `logitsToKeep`.
    const [n, t] = [hidden.dim(1) - inputIds.dim(1), inputIds.dim(1)];
    const keep = opts.logitsToKeep ? Math.min(opts.logitsToKeep, t) : t;
    const start = n + t - keep;
    return { logits: this.head(start ? hidden.slice(1, start) : hidden), present, ...(routerLogits ? { routerLogits } : {}) };
  }

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
    const states = this.withVirtualTokens(inputIds, opts);
    const ce = this.crossEntropy(states.hidden, inputIds, labels);
    const aux = this.auxiliaryLoss(states, inputIds, opts);
    return aux ? ce.add(aux) : ce;
  }

  private crossEntropy(hidden: Tensor, inputIds: Tensor, labels: Tensor): Tensor {
    const n = hidden.dim(1) - inputIds.dim(1);
    if (n > 0) {
      // PEFT labels virtual embeddings -100 and shifts as usual, so the last virtual position is
      // scored against the first token: its logits and the unshifted labels line up one to one.
      return F.crossEntropy(this.head(hidden.slice(1, n - 1)), labels.pad([[0, 0], [0, 1]], -100), { ignoreIndex: -100 });
    }
    // Shift the labels rather than the logits (as transformers' ForCausalLMLoss does): the last
    // position gets -100, so the large [B, T, V] logits are never sliced and copied.
    const shifted = labels.slice(1, 1).pad([[0, 0], [0, 1]], -100);
    return F.crossEntropy(this.head(hidden), shifted, { ignoreIndex: -100 });
  }

  /** The options with the installed source's virtual tokens, where this forward starts a sequence. */
  private withVirtualTokens(inputIds: Tensor, opts: ForwardOptions): HiddenStates {
    const start = !opts.past && opts.virtualTokens === undefined && this.virtualSource;
    return this.hiddenStates(inputIds, start ? { ...opts, virtualTokens: this.virtualSource!.call() } : opts);
  }
}
