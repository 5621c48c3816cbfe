import { Embedding, LayerNorm, Module, type Linear, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import { CausalLMBase } from './causal-lm.base.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';
import { forwardContext } from './forward-context.js';
import { Gpt2Block } from './gpt2.block.js';
import { runLayers } from './layer-stack.js';
import { type TiedLmHead, createLmHead } from './lm-head.js';
import { ModuleList } from './module-list.js';

/** The `transformer.` backbone (GPT2Model): token and learned position embeddings, blocks, final norm. */
export class Gpt2Backbone extends Module {
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<Gpt2Block>;
  readonly ln_f: LayerNorm;
  /** Recompute each block in the backward pass instead of keeping its activations (set through the model). */
  gradientCheckpointing = false;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    this.wte = this.module('wte', new Embedding(config.vocab, config.hidden, { ...build, std: 0.02 }));
    this.wpe = this.module('wpe', new Embedding(config.maxPositionEmbeddings, config.hidden, { ...build, std: 0.02 }));
    this.h = this.module('h', new ModuleList(Array.from({ length: config.layers }, () => new Gpt2Block(config, build))));
    this.ln_f = this.module('ln_f', new LayerNorm(config.hidden, config.norm.eps, build.dtype));
  }

  forward(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    const ctx = forwardContext(inputIds, opts, this.config);
    const x = ctx.embed(this.wte.call(inputIds)).add(this.wpe.call(ctx.positionIds));
    const { hidden, present } = runLayers(this.h.items, x, this.gradientCheckpointing, (block, h, i) => block.call(h, ctx.mask(null), ctx.past(i)));
    return { hidden: this.ln_f.call(hidden), present };
  }
}

/** GPT2LMHeadModel. */
export class Gpt2ForCausalLM extends CausalLMBase {
  readonly transformer: Gpt2Backbone;
  readonly lm_head: Linear | TiedLmHead;

  constructor(config: ModelConfig, build: BuildOptions) {
    super(config);
    this.transformer = this.module('transformer', new Gpt2Backbone(config, build));
    this.lm_head = this.module('lm_head', createLmHead(config, this.transformer.wte.weight, build));
    this.nameParameters();
  }

  protected hiddenStates(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    return this.transformer.call(inputIds, opts);
  }

  protected head(hidden: Tensor): Tensor {
    return this.lm_head.call(hidden);
  }

  inputEmbeddings(): Embedding {
    return this.transformer.wte;
  }
}
