import { type FloatDType, ReadScratch } from '@tunekit/core';
import { type LoadModelOptions, type LoadedModel, loadModel } from '@tunekit/models';
import { type QuantizeModelOptions, quantizeModelFrom } from '../layers/linear-4bit.js';

export interface Load4bitOptions extends QuantizeModelOptions {
  /** Storage dtype of what stays unquantized (embeddings, norms, the LM head); default f32. */
  dtype?: FloatDType;
  executor?: LoadModelOptions['executor'];
}

export interface Loaded4bitModel extends LoadedModel {
  /** Paths of the layers now held in 4 bits. */
  readonly quantized: readonly string[];
}

/**
 * Loads a full-precision Hugging Face folder straight into 4-bit layers (transformers'
 * `from_pretrained(..., quantization_config=BitsAndBytesConfig(load_in_4bit=True))`): the model is
 * built empty, each Linear's weight is read, quantized and swapped in one at a time, and only then
 * is the rest read. Peak memory stays near the quantized size, never the full-precision one.
 */
export async function loadModel4bit(dir: string, opts: Load4bitOptions = {}): Promise<Loaded4bitModel> {
  let quantized: string[] = [];
  // Each weight is quantized as soon as it is read, so one buffer serves them all.
  const scratch = new ReadScratch();
  const loaded = await loadModel(dir, {
    dtype: opts.dtype,
    executor: opts.executor,
    prepare: async (model, reader) => {
      quantized = await quantizeModelFrom(
        model,
        async (path, linear) => ({
          weight: (await reader.read(`${path}.weight`, 'f32', { scratch })).data as Float32Array,
          bias: linear.bias ? ((await reader.read(`${path}.bias`, 'f32')).data as Float32Array) : null,
        }),
        opts,
      );
    },
  });
  return { ...loaded, quantized };
}
