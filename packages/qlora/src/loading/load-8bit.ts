import { type FloatDType, ReadScratch } from '@tunekit/core';
import { type LoadModelOptions, type LoadedModel, loadModel } from '@tunekit/models';
import { type QuantizeModel8bitOptions, quantizeModel8bitFrom } from '../int8/quantize-model-8bit.js';

export interface Load8bitOptions extends QuantizeModel8bitOptions {
  /** Storage dtype of what stays unquantized (embeddings, norms, the LM head); default f32. */
  dtype?: FloatDType;
  executor?: LoadModelOptions['executor'];
}

export interface Loaded8bitModel extends LoadedModel {
  /** Paths of the layers now held in int8. */
  readonly quantized: readonly string[];
}

/**
 * Loads a full-precision Hugging Face folder straight into LLM.int8 layers (transformers'
 * `from_pretrained(..., quantization_config=BitsAndBytesConfig(load_in_8bit=True))`), one weight at
 * a time as loadModel4bit does, so the full-precision model never exists at once.
 */
export async function loadModel8bit(dir: string, opts: Load8bitOptions = {}): Promise<Loaded8bitModel> {
  let quantized: string[] = [];
  // Each weight is quantized as soon as it is read, so one buffer serves them all.
  const scratch = new ReadScratch();
  const loaded = await loadModel(dir, {
    dtype: opts.dtype,
    executor: opts.executor,
    prepare: async (model, reader) => {
      quantized = await quantizeModel8bitFrom(
        model,
        async (path, layer) => ({
          weight: (await reader.read(`${path}.weight`, 'f32', { scratch })).data as Float32Array,
          bias: layer.bias ? ((await reader.read(`${path}.bias`, 'f32')).data as Float32Array) : null,
        }),
        opts,
      );
    },
  });
  return { ...loaded, quantized };
}
