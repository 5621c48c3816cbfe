import { type FloatDType, type Parameter, ReadScratch } from '@tunekit/core';
import { type CausalLM, type LoadedModel, loadModel } from '@tunekit/models';

export interface LoadQuantizingOptions {
  /** Storage dtype of what stays unquantized (embeddings, norms, the LM head); default f32. */
  dtype?: FloatDType;
}

export interface LoadedQuantizedModel extends LoadedModel {
  /** Paths of the layers now held quantized. */
  readonly quantized: readonly string[];
}

/** A layer's stored weight and bias, read as each is about to be quantized. */
export type StoredWeights = (path: string, layer: { readonly bias: Parameter | null }) => Promise<{ weight: Float32Array; bias: Float32Array | null }>;

/**
 * Loads a full-precision Hugging Face folder, letting `quantize` replace layers while it loads:
 * the model is built empty, each layer's weight is read (into one reused buffer, since it is
 * quantized at once), quantized and swapped in, and only then is the rest read. The full-precision
 * model never exists at once.
 */
export async function loadQuantizing(
  dir: string,
  quantize: (model: CausalLM, weights: StoredWeights) => Promise<string[]>,
  opts: LoadQuantizingOptions = {},
): Promise<LoadedQuantizedModel> {
  let quantized: string[] = [];
  const scratch = new ReadScratch();
  const loaded = await loadModel(dir, {
    dtype: opts.dtype,
    prepare: async (model, reader) => {
      quantized = await quantize(model, async (path, layer) => ({
        weight: (await reader.read(`${path}.weight`, 'f32', { scratch })).data as Float32Array,
        bias: layer.bias ? ((await reader.read(`${path}.bias`, 'f32')).data as Float32Array) : null,
      }));
    },
  });
  return { ...loaded, quantized };
}
