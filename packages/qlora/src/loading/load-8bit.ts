import { type QuantizeModel8bitOptions, quantizeModel8bitFrom } from '../int8/quantize-model-8bit.js';
import { type LoadQuantizingOptions, type LoadedQuantizedModel, loadQuantizing } from './load-quantizing.js';

export interface Load8bitOptions extends QuantizeModel8bitOptions, LoadQuantizingOptions {}

export type Loaded8bitModel = LoadedQuantizedModel;

/**
 * Loads a full-precision Hugging Face folder straight into LLM.int8 layers (transformers'
 * `from_pretrained(..., quantization_config=BitsAndBytesConfig(load_in_8bit=True))`), one weight at
 * a time as loadModel4bit does, so the full-precision model never exists at once.
 */
export function loadModel8bit(dir: string, opts: Load8bitOptions = {}): Promise<Loaded8bitModel> {
  return loadQuantizing(dir, (model, weights) => quantizeModel8bitFrom(model, weights, opts), opts);
}
