import { FileType } from '../format/gguf.constants.js';
import { GGML_TYPES, type GgmlTypeName } from '../quant/ggml-types.js';

/** What a tensor is, for choosing its type. */
export interface TensorRole {
  /** llama.cpp's name. */
  readonly name: string;
  readonly dims: readonly number[];
  readonly layer?: number;
  readonly layers: number;
  /** Experts per MoE layer (0 for a dense model): llama-quantize treats 8-expert models apart. */
  readonly experts?: number;
  /** Whether this tensor is the output projection (`output.weight`, or `token_embd` when the head is tied to it). */
  readonly isOutput: boolean;
}

type Rule = (t: TensorRole) => GgmlTypeName | null;

/** llama-quantize's use_more_bits: the first and last eighth of the layers, and every third one between. */
const useMoreBits = (i: number, n: number): boolean => i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;
/**
 * llama-quantize's tensor categories (tensor_get_category), matched on the name as it does: attn_qkv
 * counts as attn_v, and every ffn_down (an expert stack's too) as ffn_down.
 */
const CATEGORIES: readonly [string, string][] = [
  ['attn_qkv.weight', 'attn_v'],
  ['attn_v.weight', 'attn_v'],
  ['attn_k.weight', 'attn_k'],
  ['attn_output.weight', 'attn_output'],
  ['ffn_down', 'ffn_down'],
];
const category = (t: TensorRole): string => CATEGORIES.find(([part]) => t.name.includes(part))?.[1] ?? 'other';

/** A preset's per-tensor choices, in the order llama-quantize's llama_tensor_get_type applies them. */
interface Preset {
  readonly fileType: number;
  readonly base: GgmlTypeName;
  readonly rules: readonly Rule[];
}

const outputQ6K: Rule = (t) => (t.isOutput ? 'Q6_K' : null);
const moreBits: Rule = (t) => (['attn_v', 'ffn_down'].includes(category(t)) && t.layer !== undefined && useMoreBits(t.layer, t.layers) ? 'Q6_K' : null);
/** Models of 8 experts (Mixtral 8x7B): attn_k and attn_v at Q8_0, and in Q4_K_M attn_output at Q5_K. */
const eightExperts = (attnOutput: GgmlTypeName | null): Rule => (t) => {
  if (t.experts !== 8) return null;
  const c = category(t);
  return c === 'attn_k' || c === 'attn_v' ? 'Q8_0' : c === 'attn_output' ? attnOutput : null;
};

/** `--quantize` values: plain float files, and llama-quantize's mixes (the `_M` ones keep attn_v/ffn_down higher in some layers). */
export const GGUF_PRESETS = {
  F32: { fileType: FileType.ALL_F32, base: 'F32', rules: [] },
  F16: { fileType: FileType.MOSTLY_F16, base: 'F16', rules: [] },
  BF16: { fileType: FileType.MOSTLY_BF16, base: 'BF16', rules: [] },
  Q8_0: { fileType: FileType.MOSTLY_Q8_0, base: 'Q8_0', rules: [] },
  Q4_0: { fileType: FileType.MOSTLY_Q4_0, base: 'Q4_0', rules: [outputQ6K, eightExperts(null)] },
  Q6_K: { fileType: FileType.MOSTLY_Q6_K, base: 'Q6_K', rules: [outputQ6K, eightExperts(null)] },
  Q5_K_M: { fileType: FileType.MOSTLY_Q5_K_M, base: 'Q5_K', rules: [outputQ6K, eightExperts(null), moreBits] },
  Q4_K_M: { fileType: FileType.MOSTLY_Q4_K_M, base: 'Q4_K', rules: [outputQ6K, eightExperts('Q5_K'), moreBits] },
} as const satisfies Record<string, Preset>;

export type GgufPreset = keyof typeof GGUF_PRESETS;
export const isGgufPreset = (s: string): s is GgufPreset => Object.hasOwn(GGUF_PRESETS, s);

/** llama-quantize's fallback when a row does not split into the type's blocks (a 576-wide row is not a multiple of 256). */
const FALLBACK: Partial<Record<GgmlTypeName, GgmlTypeName>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

const fits = (type: GgmlTypeName, rowLength: number): boolean => rowLength % GGML_TYPES[type].block === 0;

/** Matrices convert_hf_to_gguf always writes in F32 and llama-quantize leaves as they are. */
const ALWAYS_F32 = ['position_embd.weight', 'ffn_gate_inp.weight'];

/**
 * The type one tensor is stored in. Vectors (norms, biases) stay F32, as in every GGUF llama.cpp
 * writes; so do position embeddings and MoE routers.
 */
export function tensorType(preset: GgufPreset, t: TensorRole): GgmlTypeName {
  const p: Preset = GGUF_PRESETS[preset];
  if (t.dims.length < 2) return 'F32';
  if (ALWAYS_F32.some((n) => t.name.endsWith(n))) return 'F32';
  let type: GgmlTypeName = p.base;
  for (const rule of p.rules) {
    const chosen = rule(t);
    if (chosen) {
      type = chosen;
      break;
    }
  }
  const rowLength = t.dims[0]!;
  if (!fits(type, rowLength) && FALLBACK[type] && fits(FALLBACK[type]!, rowLength)) return FALLBACK[type]!;
  return fits(type, rowLength) ? type : 'F16';
}
