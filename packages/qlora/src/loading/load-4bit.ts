import { type QuantizeModelOptions, quantizeModelFrom } from '../layers/linear-4bit.js';
import { type LoadQuantizingOptions, type LoadedQuantizedModel, loadQuantizing } from './load-quantizing.js';

export interface Load4bitOptions extends QuantizeModelOptions, LoadQuantizingOptions {}

export type Loaded4bitModel = LoadedQuantizedModel;

/**
 * Loads a full-precision Hugging Face folder straight into 4-bit layers (transformers'
 * `from_pretrained(..., quantization_config=BitsAndBytesConfig(load_in_4bit=True))`), one weight at
 * a time, so peak memory stays near the quantized size, never the full-precision one.
 */
export function loadModel4bit(dir: string, opts: Load4bitOptions = {}): Promise<Loaded4bitModel> {
  return loadQuantizing(dir, (model, weights) => quantizeModelFrom(model, weights, opts), opts);
}
