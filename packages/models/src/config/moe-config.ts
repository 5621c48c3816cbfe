import type { ConfigFields } from './config-fields.js';

/**
 * A sparse mixture-of-experts MLP (Mixtral, Qwen3-MoE): a router picks `topK` of `experts` SwiGLU
 * experts per token and mixes their outputs by the router's softmax weights.
 */
export interface MoeConfig {
  readonly experts: number;
  readonly topK: number;
  /** Divide the k chosen weights by their sum (Mixtral always does; Qwen3-MoE per `norm_topk_prob`). */
  readonly normTopKProb: boolean;
  /** Each expert's intermediate size. */
  readonly expertIntermediate: number;
  /** Layers with the dense MLP (`intermediate_size`) instead: Qwen3-MoE's `mlp_only_layers` and `decoder_sparse_step`. */
  readonly denseLayers: readonly number[];
  /** Add `routerAuxLossCoef` times the load-balancing loss to the training loss (transformers' `output_router_logits`). */
  readonly outputRouterLogits: boolean;
  readonly routerAuxLossCoef: number;
}

/** How one MoE model_type names its fields and defaults (transformers' config class). */
export interface MoeTraits {
  /** Whether `norm_topk_prob` is read (else the top-k weights are always renormalised). */
  readonly readsNormTopKProb: boolean;
  /** The expert size field: Mixtral's experts use `intermediate_size`, Qwen3-MoE's `moe_intermediate_size`. */
  readonly expertIntermediateField: 'intermediate_size' | 'moe_intermediate_size';
  /** Whether the config class has per-layer dense MLPs (`decoder_sparse_step`, `mlp_only_layers`). */
  readonly sparseLayerFields: boolean;
  readonly defaults: { readonly experts: number; readonly topK: number; readonly normTopKProb: boolean; readonly auxLossCoef: number };
}

/** Fields of other MoE families that would change the math and that these traits do not implement. */
const UNSUPPORTED_FIELDS = ['shared_expert_intermediate_size', 'n_shared_experts', 'num_shared_experts', 'moe_layer_freq', 'first_k_dense_replace'];

function denseLayers(f: ConfigFields, layers: number): number[] {
  const step = f.int('decoder_sparse_step', 1);
  const only = f.raw.mlp_only_layers ?? [];
  if (!Array.isArray(only) || !only.every((i) => Number.isSafeInteger(i) && i >= 0 && i < layers)) {
    f.fail('mlp_only_layers', `expected a list of layer indices below ${layers}`);
  }
  // transformers: a layer is sparse when it is not in mlp_only_layers and (i + 1) % decoder_sparse_step == 0.
  return Array.from({ length: layers }, (_, i) => i).filter((i) => only.includes(i) || (i + 1) % step !== 0);
}

export function parseMoe(f: ConfigFields, traits: MoeTraits, layers: number): MoeConfig {
  for (const key of UNSUPPORTED_FIELDS) {
    if (f.has(key) && f.raw[key] !== 0) f.fail(key, 'shared experts and dense-first layouts are not supported');
  }
  // Training-time multiplicative noise on the router input: we compute what eval mode computes.
  if (f.number('router_jitter_noise', 0) !== 0) f.fail('router_jitter_noise', 'router jitter noise is not supported (only 0)');
  // transformers 5 writes num_local_experts for both; Hub Qwen3-MoE configs have num_experts.
  const experts = f.has('num_experts') ? f.int('num_experts') : f.int('num_local_experts', traits.defaults.experts);
  const topK = f.int('num_experts_per_tok', traits.defaults.topK);
  if (topK > experts) f.fail('num_experts_per_tok', `${topK} is more than the ${experts} experts`);
  return {
    experts,
    topK,
    normTopKProb: traits.readsNormTopKProb ? f.bool('norm_topk_prob', traits.defaults.normTopKProb) : true,
    expertIntermediate: f.int(traits.expertIntermediateField),
    denseLayers: traits.sparseLayerFields ? denseLayers(f, layers) : [],
    outputRouterLogits: f.bool('output_router_logits', false),
    routerAuxLossCoef: f.number('router_aux_loss_coef', traits.defaults.auxLossCoef),
  };
}
