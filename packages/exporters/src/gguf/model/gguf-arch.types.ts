import type { ModelConfig } from '@tunekit/models';
import type { GgufValue } from '../format/gguf-value.js';

/** How one checkpoint tensor (or one part of it) becomes a GGUF tensor. */
export interface TensorMapping {
  /** llama.cpp's name (`blk.3.attn_q.weight`). */
  readonly name: string;
  /** Reorder q/k rows from Hugging Face's rotate-half layout to llama.cpp's interleaved one, over this many heads. */
  readonly permuteHeads?: number;
  /** GPT-2's Conv1D weights are [in, out]: transpose to a Linear's [out, in]. */
  readonly transpose?: boolean;
  /** Added to every value: Gemma stores w for a norm that scales by (1 + w); llama.cpp multiplies by the tensor. */
  readonly offset?: number;
  /** Keeps part `index` of `count` equal parts of the rows (the second-to-last axis): a fused gate/up split in two. */
  readonly rows?: { readonly index: number; readonly count: number };
  /** GPT-NeoX's fused qkv rows are per head [q, k, v]; llama.cpp wants [all q, all k, all v]. */
  readonly neoxQkvHeads?: number;
  /** The block index, for per-layer quantization choices. */
  readonly layer?: number;
}

/** What one model_type exports as: llama.cpp's architecture, its hyperparameter keys, its tensor names. */
export interface GgufArch {
  readonly arch: string;
  /** `<arch>.*` keys, without the prefix. */
  hparams(c: ModelConfig): [string, GgufValue][];
  /** The GGUF tensors for a checkpoint name (a fused one may give two), or null for one llama.cpp does not read. */
  tensors(hfName: string, c: ModelConfig): TensorMapping[] | null;
  /** Whether llama.cpp needs `output.weight` written even when the head is tied (its graph has no fallback to token_embd). */
  readonly writesTiedOutput: boolean;
  /**
   * Throws, naming the config field, where llama.cpp's graph for this architecture computes something
   * else than TuneKit; returns the differences that only matter in some cases, as warnings.
   */
  check(c: ModelConfig): string[];
}
