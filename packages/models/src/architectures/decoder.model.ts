import { Embedding, Module, RMSNorm, type Linear, type Tensor } from '@tunekit/core';
import type { LayerType } from '../config/layer-types.js';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import { CausalLMBase } from './causal-lm.base.js';
import type { ForwardOptions, HiddenStates, KvEntry } from './causal-lm.interface.js';
import { loadBalancingLoss } from './moe.aux-loss.js';
import { DecoderLayer } from './decoder.layer.js';
import { embeddingScale } from './embedding-scale.js';
import { forwardContext } from './forward-context.js';
import { runLayers } from './layer-stack.js';
import { type TiedLmHead, createLmHead } from './lm-head.js';
import { type LayerKind, layerKinds } from './layer-kinds.js';
import { ModuleList } from './module-list.js';
import { type RotaryTables, rotaryTables } from './rope.js';

/** The `model.` backbone (LlamaModel): embeddings, layers, final norm. */
export class DecoderBackbone extends Module {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<DecoderLayer>;
  readonly norm: RMSNorm;
  /** Recompute each layer in the backward pass instead of keeping its activations (set through the model). */
  gradientCheckpointing = false;
  /** Window and rotary frequencies of each layer type, host-computed once per model. */
  private readonly kinds: Readonly<Record<LayerType, LayerKind>>;
  /** The embedding multiplier, in the embedding's storage dtype where transformers casts it (Gemma's √hidden), or null. */
  private readonly embedScale: number | null;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    this.kinds = layerKinds(config);
    this.embedScale = embeddingScale(config, build.dtype);
    // transformers builds it as nn.Embedding(vocab, hidden, padding_idx=pad_token_id): that row gets no gradient.
    this.embed_tokens = this.module('embed_tokens', new Embedding(config.vocab, config.hidden, { ...build, std: 0.02, paddingIdx: config.padTokenId }));
    const layers = Array.from({ length: config.layers }, (_, i) => new DecoderLayer(config, build, i));
    this.layers = this.module('layers', new ModuleList(layers));
    this.norm = this.module('norm', new RMSNorm(config.hidden, config.norm.eps, build.dtype, config.norm.weightOffset));
  }

  forward(inputIds: Tensor, opts: ForwardOptions): HiddenStates {
    const ctx = forwardContext(inputIds, opts, this.config);
    // One cos/sin pair per distinct frequency table, shared by every layer that uses it.
    const tables = new Map<Float32Array, RotaryTables>();
    const ropeOf = (invFreq: Float32Array) => tables.get(invFreq) ?? tables.set(invFreq, rotaryTables(ctx.positionIds, invFreq)).get(invFreq)!;
    const step = (layer: DecoderLayer, x: Tensor, i: number) => {
      const kind = this.kinds[this.config.layerTypes[i]];
      // SmolLM3's NoPE layers rotate nothing.
      return layer.call(x, this.config.ropeLayers[i] ? ropeOf(kind.invFreq) : null, ctx.mask(kind.window), ctx.past(i));
    };
    const { hidden, present, routerLogits } = runLayers(this.layers.items, this.embed(inputIds, ctx.embed), this.gradientCheckpointing, step);
    return { hidden: this.norm.call(hidden), present, ...(routerLogits.length ? { routerLogits } : {}) };
  }

  /** Token embeddings with any virtual ones in front, scaled where the config says (Gemma, Granite). */
  private embed(inputIds: Tensor, withVirtual: (tokens: Tensor) => Tensor): Tensor {
    const tokens = this.embed_tokens.call(inputIds);
    const scale = this.embedScale;
    if (scale === null) return withVirtual(tokens);
    return this.config.embedScale?.appliesTo === 'tokens' ? withVirtual(tokens.mul(scale)) : withVirtual(tokens).mul(scale);
  }
}

/**
 * Llama, Mistral, Qwen2/3, SmolLM 1-3, TinyLlama, Gemma 1-3, Phi-3, OLMo 2, Granite: one
 * implementation, switched by the config (biases, q/k norms, fused projections, norm placement,
 * NoPE layers, multipliers, soft caps, RoPE scaling, sliding windows, tied head). Parameter names are transformers'.
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

  protected hiddenStates(inputIds: Tensor, opts: ForwardOptions): HiddenStates {
    return this.model.call(inputIds, opts);
  }

  /** transformers adds router_aux_loss_coef × the load-balancing loss when `output_router_logits` is set. */
  protected override auxiliaryLoss(states: HiddenStates, inputIds: Tensor, opts: ForwardOptions): Tensor | null {
    const { moe } = this.config;
    if (!moe?.outputRouterLogits || !states.routerLogits) return null;
    let mask = opts.attentionMask ?? null;
    // Virtual tokens are routed too; PEFT extends the mask with ones for them.
    const n = states.hidden.dim(1) - inputIds.dim(1);
    if (mask && mask.rank === 2 && n > 0) mask = mask.pad([[0, 0], [n, 0]], 1);
    return loadBalancingLoss(states.routerLogits, moe.experts, moe.topK, mask).mul(moe.routerAuxLossCoef);
  }

  protected head(hidden: Tensor): Tensor {
    // Granite divides the logits; Gemma 2 soft-caps them. No model does both.
    const { logitsDivisor } = this.config.scaling;
    const logits = logitsDivisor === 1 ? this.lm_head.call(hidden) : this.lm_head.call(hidden).div(logitsDivisor);
    const cap = this.config.softcap.final;
    return cap === null ? logits : logits.div(cap).tanh().mul(cap);
  }

  inputEmbeddings(): Embedding {
    return this.model.embed_tokens;
  }
}
