import { HostTensor } from '@tunekit/core';
import type { RecordSource } from '../errors.js';
import type { TokenizedPair, TokenizedUnpaired } from './preference.types.js';

export interface CollateOptions {
  readonly padTokenId: number;
  /** Pad lengths to a multiple of this, so a few shapes (and compiled programs) serve the whole run. */
  readonly padToMultipleOf: number;
}

/** One sequence: the prompt's tokens, then a completion's. */
interface Sequence {
  readonly prompt: Int32Array;
  readonly completion: Int32Array;
}

/** Rows of right-padded sequences: ids, attention mask, and the mask of completion tokens (whose log-probs count). */
interface Rows {
  readonly input_ids: HostTensor<'i64'>;
  readonly attention_mask: HostTensor<'bool'>;
  readonly completion_mask: HostTensor<'f32'>;
  /** Real tokens (padding excluded). */
  readonly tokens: number;
}

const paddedLength = (sequences: readonly Sequence[], multiple: number): number =>
  Math.ceil(Math.max(1, ...sequences.map((s) => s.prompt.length + s.completion.length)) / multiple) * multiple;

function rowsOf(sequences: readonly Sequence[], t: number, padTokenId: number): Rows {
  const n = sequences.length;
  const ids = new BigInt64Array(n * t).fill(BigInt(padTokenId));
  const mask = new Uint8Array(n * t);
  const completion = new Float32Array(n * t);
  let tokens = 0;
  sequences.forEach(({ prompt, completion: c }, r) => {
    const base = r * t;
    prompt.forEach((id, i) => (ids[base + i] = BigInt(id)));
    c.forEach((id, i) => (ids[base + prompt.length + i] = BigInt(id)));
    const length = prompt.length + c.length;
    mask.fill(1, base, base + length);
    completion.fill(1, base + prompt.length, base + length);
    tokens += length;
  });
  const shape = [n, t];
  return {
    input_ids: new HostTensor('i64', shape, ids),
    attention_mask: new HostTensor('bool', shape, mask),
    completion_mask: new HostTensor('f32', shape, completion),
    tokens,
  };
}

/** A paired batch as the preference tasks take it. */
export interface PairedBatch {
  /**
   * `input_ids`, `attention_mask`, `completion_mask` [2B, T]: rows 0..B-1 the chosen sequences,
   * rows B..2B-1 the rejected ones, each pair sharing its prompt's tokens; padding on the right.
   * `margin` [B] when the dataset has a margin column.
   */
  readonly tensors: Readonly<Record<string, HostTensor>>;
  readonly tokens: number;
  /** Where each pair came from, for error messages. */
  readonly sources: readonly RecordSource[];
}

/** Chosen and rejected side by side, sharing the prompt's tokens. */
export function collatePairs(pairs: readonly TokenizedPair[], options: CollateOptions): PairedBatch {
  const sequences = [...pairs.map((p) => ({ prompt: p.prompt, completion: p.chosen })), ...pairs.map((p) => ({ prompt: p.prompt, completion: p.rejected }))];
  const { tokens, ...rows } = rowsOf(sequences, paddedLength(sequences, options.padToMultipleOf), options.padTokenId);
  const hasMargin = pairs.some((p) => p.margin !== undefined);
  const margin: Record<string, HostTensor> = hasMargin ? { margin: HostTensor.f32([pairs.length], pairs.map((p) => p.margin ?? 0)) } : {};
  return { tensors: { ...rows, ...margin }, tokens, sources: pairs.map((p) => p.source) };
}

/**
 * KTO's batch: each prompt with its completion, `label` [B] (1 desirable, 0 undesirable), and the KL
 * half `kl_*`, where prompt i goes with the completion of row i - 1 (the last row's for row 0), the
 * mismatched pairs TRL builds its KL estimate from. One padded length serves both halves.
 */
export function collateUnpaired(items: readonly TokenizedUnpaired[], options: CollateOptions): PairedBatch {
  const matched = items.map((x) => ({ prompt: x.prompt, completion: x.completion }));
  const shifted = items.map((x, i) => ({ prompt: x.prompt, completion: items[(i + items.length - 1) % items.length].completion }));
  const t = paddedLength([...matched, ...shifted], options.padToMultipleOf);
  const { tokens, ...rows } = rowsOf(matched, t, options.padTokenId);
  const kl = rowsOf(shifted, t, options.padTokenId);
  return {
    tensors: {
      ...rows,
      label: HostTensor.f32([items.length], items.map((x) => (x.label ? 1 : 0))),
      kl_input_ids: kl.input_ids,
      kl_attention_mask: kl.attention_mask,
      kl_completion_mask: kl.completion_mask,
    },
    tokens,
    sources: items.map((x) => x.source),
  };
}
