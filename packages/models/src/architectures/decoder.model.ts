import { Embedding, Module, RMSNorm, type Linear, type Tensor } from '@tunekit/core';
import type { LayerType } from '../config/layer-types.js';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import { CausalLMBase } from './causal-lm.base.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';
import { DecoderLayer } from './decoder.layer.js';
import { forwardContext } from './forward-context.js';
import { runLayers } from './layer-stack.js';
import { type TiedLmHead, createLmHead } from './lm-head.js';
import { type LayerKind, layerKinds } from './layer-kinds.js';
import { ModuleList } from './module-list.js';
import { ropeInverseFrequencies, rotaryTables } from './rope.js';

/** The `model.` backbone (LlamaModel): embeddings, layers, final norm. */
export class DecoderBackbone extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: RMSNorm;
  /** Recompute each layer in the backward pass instead of keeping its activations (set through the model). */
  gradientCheckpointing = false;
  /** Host-computed once per model: every forward and every layer shares one cos/sin pair. */
  private readonly invFreq: Float32Array;
  private readonly kinds: Readonly<Record<LayerType, LayerKind>>;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    if (!config.rope) throw new Error(`${config.modelType}: the decoder needs a RoPE config`);
    this.invFreq = ropeInverseFrequencies(config.rope, config.headDim);
    this.kinds = layerKinds(config);
    // transformers builds it as nn.Embedding(vocab, hidden, padding_idx=pad_token_id): that row gets no gradient.
    this.embed_tokens = this.module('embed_tokens', new Embedding(config.vocab, config.hidden, { ...build, std: 0.02, paddingIdx: config.padTokenId }));
    const layers = Array.from({ length: config.layers }, () => new DecoderLayer(config, build));
    this.layers = this.module('layers', new ModuleList(layers));
    this.norm = this.module('norm', new RMSNorm(config.hidden, config.norm.eps, build.dtype));
  }

  forward(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    const ctx = forwardContext(inputIds, opts, this.config);
    const rope = rotaryTables(ctx.positionIds, this.invFreq);
    const scale = this.config.scaling.embedding;
    // Granite scales whatever enters the layers (virtual embeddings too, as PEFT passes them in inputs_embeds).
    let h = ctx.embed(this.embed_tokens.call(inputIds));
    if (scale !== 1) h = h.mul(scale);
    const ropeOf = (i: number) => (this.config.ropeLayers[i] ? rope : null);
    const maskOf = (i: number) => ctx.mask(this.kinds[this.config.layerTypes[i]].window);
    const { hidden, present } = runLayers(this.layers.items, h, this.gradientCheckpointing, (layer, x, i) => layer.call(x, ropeOf(i), maskOf(i), ctx.past(i)));
    return { hidden: this.norm.call(hidden), present };
  }
}

/**
 * Llama, Mistral, Qwen2, Qwen3, SmolLM 1-3, TinyLlama, Phi-3, OLMo 2, Granite: one implementation,
 * switched by the config (biases, q/k norms, fused projections, norm placement, NoPE layers,
 * multipliers, RoPE scaling, sliding window, tied head). Parameter names are transformers'.
 */
export class DecoderForCausalLM extends CausalLMBase {
  readonly model: DecoderBackbone;
  readonly lm_head: Linear | TiedLmHead;

  constructor(config: ModelConfig, build: BuildOptions) {
    super(config);
    this.model = this.module('model', new DecoderBackbone(config, build));
    this.lm_head = this.module('lm_head', createLmHead(config, this.model.embed_tokens.weight, build));
    this.nameParameters();
  }

  protected hiddenStates(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    return this.model.call(inputIds, opts);
  }

  protected head(hidden: Tensor): Tensor {
    const logits = this.lm_head.call(hidden);
    const divisor = this.config.scaling.logitsDivisor;
    return divisor === 1 ? logits : logits.div(divisor);
  }

  inputEmbeddings(): Embedding {
    return this.model.embed_tokens;
  }
}
