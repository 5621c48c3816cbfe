import { Graph, Tensor } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

/** The sizes that vary between runs of the exported decoder, by their ONNX dim names (Optimum's). */
export interface DecoderSizes {
  readonly batch_size: number;
  readonly sequence_length: number;
  readonly past_sequence_length: number;
  readonly total_sequence_length: number;
}

/** Graph input and output names as ONNX Runtime GenAI, Optimum and transformers.js name them. */
export const DECODER_NAMES = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  past: (layer: number, which: 'key' | 'value') => `past_key_values.${layer}.${which}`,
  logits: 'logits',
  present: (layer: number, which: 'key' | 'value') => `present.${layer}.${which}`,
} as const;

export interface DecoderTrace {
  readonly graph: Graph;
  readonly sizes: DecoderSizes;
  /** ONNX names of the graph's outputs: logits, then each layer's present key and value. */
  readonly outputNames: readonly string[];
}

/**
 * Sizes of the traces the exported graph is derived from: each pair differs in every size, and no
 * product of them is mistaken for another (see DynamicDims), so what varies is found exactly.
 */
export const TRACE_SIZES: readonly DecoderSizes[] = [
  { batch_size: 2, sequence_length: 3, past_sequence_length: 4, total_sequence_length: 7 },
  { batch_size: 3, sequence_length: 5, past_sequence_length: 2, total_sequence_length: 7 },
  { batch_size: 4, sequence_length: 2, past_sequence_length: 3, total_sequence_length: 5 },
];

/**
 * One forward with a key/value cache as graph inputs: input_ids, attention_mask and position_ids
 * (i64) and each layer's past keys and values, to logits and each layer's present keys and values
 * (past ‖ new). A first step feeds an empty past (length 0).
 */
export function traceDecoder(model: CausalLM, sizes: DecoderSizes): DecoderTrace {
  const { batch_size: b, sequence_length: t, past_sequence_length: p, total_sequence_length: s } = sizes;
  const { layers, kvHeads, headDim } = model.config;
  const cacheInput = (layer: number, which: 'key' | 'value') => Tensor.input(DECODER_NAMES.past(layer, which), [b, kvHeads, p, headDim]);
  const past = Array.from({ length: layers }, (_, i) => ({ k: cacheInput(i, 'key'), v: cacheInput(i, 'value') }));
  const { logits, present } = model.call(Tensor.input(DECODER_NAMES.inputIds, [b, t], 'i64'), {
    attentionMask: Tensor.input(DECODER_NAMES.attentionMask, [b, s], 'i64'),
    positionIds: Tensor.input(DECODER_NAMES.positionIds, [b, t], 'i64'),
    past,
    symbolicLengths: true,
  });
  const outputs = [logits, ...present.flatMap((e) => [e.k, e.v])];
  const outputNames = [DECODER_NAMES.logits, ...present.flatMap((_, i) => [DECODER_NAMES.present(i, 'key'), DECODER_NAMES.present(i, 'value')])];
  return { graph: new Graph(outputs.map((o) => o.node)), sizes, outputNames };
}
