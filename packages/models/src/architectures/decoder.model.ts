import { Embedding, Module, RMSNorm, type Linear, type Tensor, checkpointSegment, fromFloat32, toFloat32 } from '@tunekit/core';
import type { LayerType } from '../config/layer-types.js';
import type { ModelConfig } from '../config/model-config.js';
import type { BuildOptions } from './build-options.js';
import { CausalLMBase } from './causal-lm.base.js';
import type { ForwardOptions, KvEntry } from './causal-lm.interface.js';
import { DecoderLayer } from './decoder.layer.js';
import { forwardContext } from './forward-context.js';
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
  /** Gemma's √hidden in the embedding's storage dtype (transformers casts it to that dtype), or null. */
  private readonly embedScale: number | null;

  constructor(
    private readonly config: ModelConfig,
    build: BuildOptions,
  ) {
    super();
    this.kinds = layerKinds(config);
    this.embedScale = config.embedScale && toFloat32(build.dtype, fromFloat32(build.dtype, [config.embedScale.value]))[0];
    // transformers builds it as nn.Embedding(vocab, hidden, padding_idx=pad_token_id): that row gets no gradient.
    this.embed_tokens = this.module('embed_tokens', new Embedding(config.vocab, config.hidden, { ...build, std: 0.02, paddingIdx: config.padTokenId }));
    const layers = Array.from({ length: config.layers }, () => new DecoderLayer(config, build));
    this.layers = this.module('layers', new ModuleList(layers));
    this.norm = this.module('norm', new RMSNorm(config.hidden, config.norm.eps, build.dtype, config.norm.weightOffset));
  }

  forward(inputIds: Tensor, opts: ForwardOptions): { hidden: Tensor; present: KvEntry[] } {
    const ctx = forwardContext(inputIds, opts, this.config);
    // One cos/sin pair per distinct frequency table, shared by every layer that uses it.
    const tables = new Map<Float32Array, RotaryTables>();
    const ropeOf = (invFreq: Float32Array) => tables.get(invFreq) ?? tables.set(invFreq, rotaryTables(ctx.positionIds, invFreq)).get(invFreq)!;
    let h = this.embed(inputIds, ctx.embed);
    const present: KvEntry[] = [];
    this.layers.items.forEach((layer, i) => {
      const kind = this.kinds[this.config.layerTypes[i]];
      const [mask, rope] = [ctx.mask(kind.window), ropeOf(kind.invFreq)];
      const run = () => layer.call(h, rope, mask, ctx.past(i));
      const out = this.gradientCheckpointing ? checkpointSegment(run) : run();
      h = out.hidden;
      present.push(out.present);
    });
    return { hidden: this.norm.call(h), present };
  }

  /** Token embeddings with any virtual ones in front, scaled where the config says (Gemma). */
  private embed(inputIds: Tensor, withVirtual: (tokens: Tensor) => Tensor): Tensor {
    const tokens = this.embed_tokens.call(inputIds);
    const scale = this.embedScale;
    if (scale === null) return withVirtual(tokens);
    return this.config.embedScale?.appliesTo === 'tokens' ? withVirtual(tokens.mul(scale)) : withVirtual(tokens).mul(scale);
  }
}

/**
 * Llama, Mistral, Qwen2, Qwen3, SmolLM, TinyLlama: one implementation, switched by the config
 * (biases, q/k norms, RoPE scaling, sliding window, tied head). Parameter names are transformers'.
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
    const cap = this.config.softcap.final;
    return cap === null ? logits : logits.div(cap).tanh().mul(cap);
  }

  inputEmbeddings(): Embedding {
    return this.model.embed_tokens;
  }
}
