import { FileType } from '../format/gguf.constants.js';
import { GGML_TYPES, type GgmlTypeName } from '../quant/ggml-types.js';

/** What a tensor is, for choosing its type. */
export interface TensorRole {
  /** llama.cpp's name. */
  readonly name: string;
  readonly dims: readonly number[];
  readonly layer?: number;
  readonly layers: number;
  /** Whether this tensor is the output projection (`output.weight`, or `token_embd` when the head is tied to it). */
  readonly isOutput: boolean;
}

type Rule = (t: TensorRole) => GgmlTypeName | null;

/** llama-quantize's use_more_bits: the first and last eighth of the layers, and every third one between. */
const useMoreBits = (i: number, n: number): boolean => i < Math.floor(n / 8) || i >= Math.floor((7 * n) / 8) || (i - Math.floor(n / 8)) % 3 === 2;
const kind = (t: TensorRole): string => t.name.replace(/^blk\.\d+\./, '').replace(/\.weight$/, '');

/** A preset's per-tensor choices, in the order llama-quantize's llama_tensor_get_type applies them. */
interface Preset {
  readonly fileType: number;
  readonly base: GgmlTypeName;
  readonly rules: readonly Rule[];
}

const outputQ6K: Rule = (t) => (t.isOutput ? 'Q6_K' : null);
const moreBits = (type: GgmlTypeName, ...kinds: string[]): Rule => (t) => (kinds.includes(kind(t)) && t.layer !== undefined && useMoreBits(t.layer, t.layers) ? type : null);
const whenKind = (type: GgmlTypeName, k: string): Rule => (t) => (kind(t) === k ? type : null);

/** `--quantize` values: plain float files, and llama-quantize's mixes (the `_M` ones keep attn_v/ffn_down higher in some layers). */
export const GGUF_PRESETS = {
  F32: { fileType: FileType.ALL_F32, base: 'F32', rules: [] },
  F16: { fileType: FileType.MOSTLY_F16, base: 'F16', rules: [] },
  BF16: { fileType: FileType.MOSTLY_BF16, base: 'BF16', rules: [] },
  Q8_0: { fileType: FileType.MOSTLY_Q8_0, base: 'Q8_0', rules: [] },
  Q4_0: { fileType: FileType.MOSTLY_Q4_0, base: 'Q4_0', rules: [outputQ6K] },
  Q6_K: { fileType: FileType.MOSTLY_Q6_K, base: 'Q6_K', rules: [] },
  Q5_K_M: { fileType: FileType.MOSTLY_Q5_K_M, base: 'Q5_K', rules: [outputQ6K, whenKind('Q6_K', 'attn_qkv'), moreBits('Q6_K', 'attn_v', 'ffn_down')] },
  Q4_K_M: { fileType: FileType.MOSTLY_Q4_K_M, base: 'Q4_K', rules: [outputQ6K, whenKind('Q5_K', 'attn_qkv'), moreBits('Q6_K', 'attn_v', 'ffn_down')] },
} as const satisfies Record<string, Preset>;

export type GgufPreset = keyof typeof GGUF_PRESETS;
export const isGgufPreset = (s: string): s is GgufPreset => Object.hasOwn(GGUF_PRESETS, s);

/** llama-quantize's fallback when a row does not split into the type's blocks (a 576-wide row is not a multiple of 256). */
const FALLBACK: Partial<Record<GgmlTypeName, GgmlTypeName>> = { Q4_K: 'Q5_0', Q5_K: 'Q5_1', Q6_K: 'Q8_0' };

const fits = (type: GgmlTypeName, rowLength: number): boolean => rowLength % GGML_TYPES[type].block === 0;

/**
 * The type one tensor is stored in. Vectors (norms, biases) stay F32, as in every GGUF llama.cpp
 * writes; position embeddings are never quantized (llama-quantize leaves them F16).
 */
export function tensorType(preset: GgufPreset, t: TensorRole): GgmlTypeName {
  const p: Preset = GGUF_PRESETS[preset];
  if (t.dims.length < 2) return 'F32';
  const quantizing = !['F32', 'F16', 'BF16'].includes(p.base);
  if (quantizing && t.name.startsWith('position_embd')) return 'F16';
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
