import { Embedding, LayerNorm, Module, type Linear, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import { CausalLMBase } from './causal-lm.base.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';
import { forwardContext } from './forward-context.js';
import { GptNeoxLayer } from './gpt-neox.block.js';
import { runLayers } from './layer-stack.js';
import { type TiedLmHead, createLmHead } from './lm-head.js';
import { ModuleList } from './module-list.js';
import { ropeInverseFrequencies, rotaryTables } from './rope.js';

/** The `gpt_neox.` backbone (GPTNeoXModel): token embeddings, layers, final LayerNorm. */
export class GptNeoxBackbone extends Module {
  readonly embed_in: Embedding;
  readonly layers: ModuleList<GptNeoxLayer>;
  readonly final_layer_norm: LayerNorm;
  /** Recompute each layer in the backward pass instead of keeping its activations (set through the model). */
  gradientCheckpointing = false;
  private readonly invFreq: Float32Array;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    if (!config.rope) throw new Error(`${config.modelType}: GPT-NeoX needs a RoPE config`);
    this.invFreq = ropeInverseFrequencies(config.rope, config.headDim);
    this.embed_in = this.module('embed_in', new Embedding(config.vocab, config.hidden, { ...build, std: 0.02 }));
    this.layers = this.module('layers', new ModuleList(Array.from({ length: config.layers }, () => new GptNeoxLayer(config, build))));
    this.final_layer_norm = this.module('final_layer_norm', new LayerNorm(config.hidden, config.norm.eps, build.dtype));
  }

  forward(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    const ctx = forwardContext(inputIds, opts, this.config);
    const rope = rotaryTables(ctx.positionIds, this.invFreq);
    const x = ctx.embed(this.embed_in.call(inputIds));
    const { hidden, present } = runLayers(this.layers.items, x, this.gradientCheckpointing, (layer, h, i) => layer.call(h, rope, ctx.mask(null), ctx.past(i)));
    return { hidden: this.final_layer_norm.call(hidden), present };
  }
}

/** GPTNeoXForCausalLM (Pythia, GPT-NeoX-20B): its output head is `embed_out`. */
export class GptNeoxForCausalLM extends CausalLMBase {
  readonly gpt_neox: GptNeoxBackbone;
  readonly embed_out: Linear | TiedLmHead;

  constructor(config: ModelConfig, build: BuildOptions) {
    super(config);
    this.gpt_neox = this.module('gpt_neox', new GptNeoxBackbone(config, build));
    this.embed_out = this.module('embed_out', createLmHead(config, this.gpt_neox.embed_in.weight, build));
    this.nameParameters();
  }

  protected hiddenStates(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    return this.gpt_neox.call(inputIds, opts);
  }

  protected head(hidden: Tensor): Tensor {
    return this.embed_out.call(hidden);
  }

  inputEmbeddings(): Embedding {
    return this.gpt_neox.embed_in;
  }
}
