import type { ArchFamily, ModelConfig } from '../config/model-config.js';
import { LAYER_NORMS } from './decoder.layer.js';
import { qkNormWidths } from './decoder.qk-norm.js';

/** How transformers' `_init_weights` fills a tensor of a freshly created model. */
export type TensorInit =
  | { readonly kind: 'normal'; readonly std: number; /** nn.Embedding's padding_idx row, zeroed. */ readonly zeroRow?: number }
  | { readonly kind: 'ones' }
  | { readonly kind: 'zeros' };

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: TensorInit;
}

const ones: TensorInit = { kind: 'ones' };
const zeros: TensorInit = { kind: 'zeros' };

type Layout = (c: ModelConfig, std: number) => TensorSpec[];

/** A weight and, when present, its bias (zeros). */
function linear(name: string, outF: number, inF: number, bias: boolean, init: TensorInit): TensorSpec[] {
  return [{ name: `${name}.weight`, shape: [outF, inF], init }, ...(bias ? [{ name: `${name}.bias`, shape: [outF], init: zeros }] : [])];
}

/** The MLP slot: dense (Phi-3's gate and up fused), or the router and packed experts (transformers 5 names) where the layer is sparse. */
const decoderMlp = (c: ModelConfig, w: TensorInit, p: string, layer: number): TensorSpec[] => {
  const { hidden: h, intermediate: m, moe } = c;
  if (moe && !moe.denseLayers.includes(layer)) {
    const { experts: e, expertIntermediate: i } = moe;
    return [
      { name: `${p}.mlp.gate.weight`, shape: [e, h], init: w },
      { name: `${p}.mlp.experts.gate_up_proj`, shape: [e, 2 * i, h], init: w },
      { name: `${p}.mlp.experts.down_proj`, shape: [e, h, i], init: w },
    ];
  }
  const gateUp = c.fusedProjections
    ? linear(`${p}.mlp.gate_up_proj`, 2 * m, h, c.mlpBias, w)
    : [...linear(`${p}.mlp.gate_proj`, m, h, c.mlpBias, w), ...linear(`${p}.mlp.up_proj`, m, h, c.mlpBias, w)];
  return [...gateUp, ...linear(`${p}.mlp.down_proj`, h, m, c.mlpBias, w)];
};

/** An RMSNorm weight: 1, or 0 where the model multiplies by (1 + weight) (Gemma). */
const rmsWeight = (c: ModelConfig): TensorInit => (c.norm.weightOffset ? zeros : ones);

const decoderLayer = (c: ModelConfig, std: number, p: string, layer: number): TensorSpec[] => {
  const w: TensorInit = { kind: 'normal', std };
  const { hidden: h, heads, kvHeads, headDim: d } = c;
  const [q, kv] = [heads * d, kvHeads * d];
  const { attention, mlp } = LAYER_NORMS[c.normPlacement];
  const norm = (name: string | null, size = h): TensorSpec[] => (name ? [{ name: `${p}.${name}.weight`, shape: [size], init: rmsWeight(c) }] : []);
  const qkNorm = qkNormWidths(c);
  const projections = c.fusedProjections
    ? linear(`${p}.self_attn.qkv_proj`, q + 2 * kv, h, c.attentionBias.qkv, w)
    : [...linear(`${p}.self_attn.q_proj`, q, h, c.attentionBias.qkv, w), ...linear(`${p}.self_attn.k_proj`, kv, h, c.attentionBias.qkv, w), ...linear(`${p}.self_attn.v_proj`, kv, h, c.attentionBias.qkv, w)];
  return [
    ...norm(attention.input),
    ...projections,
    ...linear(`${p}.self_attn.o_proj`, h, q, c.attentionBias.o, w),
    ...(qkNorm ? [...norm('self_attn.q_norm', qkNorm[0]), ...norm('self_attn.k_norm', qkNorm[1])] : []),
    ...norm(attention.output),
    ...norm(mlp.input),
    ...decoderMlp(c, w, p, layer),
    ...norm(mlp.output),
  ];
};

const gpt2Layer = (c: ModelConfig, std: number, p: string): TensorSpec[] => {
  const w: TensorInit = { kind: 'normal', std };
  // GPT-2 scales residual projections by 1/√(2·n_layer) at init (GPT2PreTrainedModel._init_weights).
  const residual: TensorInit = { kind: 'normal', std: std / Math.sqrt(2 * c.layers) };
  const conv1d = (name: string, inF: number, outF: number, init: TensorInit): TensorSpec[] => [
    { name: `${name}.weight`, shape: [inF, outF], init },
    { name: `${name}.bias`, shape: [outF], init: zeros },
  ];
  const norm = (name: string): TensorSpec[] => [
    { name: `${name}.weight`, shape: [c.hidden], init: ones },
    { name: `${name}.bias`, shape: [c.hidden], init: zeros },
  ];
  return [
    ...norm(`${p}.ln_1`),
    ...conv1d(`${p}.attn.c_attn`, c.hidden, 3 * c.hidden, w),
    ...conv1d(`${p}.attn.c_proj`, c.hidden, c.hidden, residual),
    ...norm(`${p}.ln_2`),
    ...conv1d(`${p}.mlp.c_fc`, c.hidden, c.intermediate, w),
    ...conv1d(`${p}.mlp.c_proj`, c.intermediate, c.hidden, residual),
  ];
};

const gptNeoxLayer = (c: ModelConfig, std: number, p: string): TensorSpec[] => {
  const w: TensorInit = { kind: 'normal', std };
  const norm = (name: string): TensorSpec[] => [
    { name: `${p}.${name}.weight`, shape: [c.hidden], init: ones },
    { name: `${p}.${name}.bias`, shape: [c.hidden], init: zeros },
  ];
  return [
    ...norm('input_layernorm'),
    ...norm('post_attention_layernorm'),
    ...linear(`${p}.attention.query_key_value`, 3 * c.hidden, c.hidden, c.attentionBias.qkv, w),
    ...linear(`${p}.attention.dense`, c.hidden, c.hidden, c.attentionBias.o, w),
    ...linear(`${p}.mlp.dense_h_to_4h`, c.intermediate, c.hidden, c.mlpBias, w),
    ...linear(`${p}.mlp.dense_4h_to_h`, c.hidden, c.intermediate, c.mlpBias, w),
  ];
};

const lmHead = (c: ModelConfig, std: number, name = 'lm_head'): TensorSpec[] =>
  c.tieWordEmbeddings ? [] : [{ name: `${name}.weight`, shape: [c.vocab, c.hidden], init: { kind: 'normal', std } }];

const LAYOUTS: Record<ArchFamily, Layout> = {
  llama: (c, std) => [
    { name: 'model.embed_tokens.weight', shape: [c.vocab, c.hidden], init: { kind: 'normal', std, zeroRow: c.padTokenId ?? undefined } },
    ...Array.from({ length: c.layers }, (_, i) => decoderLayer(c, std, `model.layers.${i}`, i)).flat(),
    { name: 'model.norm.weight', shape: [c.hidden], init: rmsWeight(c) },
    ...lmHead(c, std),
  ],
  gpt2: (c, std) => [
    { name: 'transformer.wte.weight', shape: [c.vocab, c.hidden], init: { kind: 'normal', std } },
    { name: 'transformer.wpe.weight', shape: [c.maxPositionEmbeddings, c.hidden], init: { kind: 'normal', std } },
    ...Array.from({ length: c.layers }, (_, i) => gpt2Layer(c, std, `transformer.h.${i}`)).flat(),
    { name: 'transformer.ln_f.weight', shape: [c.hidden], init: ones },
    { name: 'transformer.ln_f.bias', shape: [c.hidden], init: zeros },
    ...lmHead(c, std),
  ],
  gpt_neox: (c, std) => [
    { name: 'gpt_neox.embed_in.weight', shape: [c.vocab, c.hidden], init: { kind: 'normal', std, zeroRow: c.padTokenId ?? undefined } },
    ...Array.from({ length: c.layers }, (_, i) => gptNeoxLayer(c, std, `gpt_neox.layers.${i}`)).flat(),
    { name: 'gpt_neox.final_layer_norm.weight', shape: [c.hidden], init: ones },
    { name: 'gpt_neox.final_layer_norm.bias', shape: [c.hidden], init: zeros },
    ...lmHead(c, std, 'embed_out'),
  ],
};

/**
 * Every tensor of a checkpoint for `config`, in model order, with transformers' initialisation,
 * derived from the config alone: a checkpoint of any size can be written tensor by tensor without
 * building the model. Tied heads are absent, as in save_pretrained. A spec checks that this lists
 * exactly the model's `namedParameters()`.
 */
export function checkpointLayout(config: ModelConfig, initializerRange = 0.02): TensorSpec[] {
  return LAYOUTS[config.family](config, initializerRange);
}
