// What users call: quantize a model (4-bit NF4/FP4 or LLM.int8()), load and save bitsandbytes
// checkpoints, load any checkpoint with its stored quantization, dequantize, and the config.
// The quantization primitives (code tables, blockwise and vectorwise quantizers, state dicts)
// stay internal: specs reach them by relative path.
export { BLOCKSIZES_4BIT } from './quant/blockwise.js';
export {
  type QuantizeModelOptions,
  type LinearWeightSource,
  Linear4bit,
  quantizeModel,
  quantizeModelFrom,
} from './layers/linear-4bit.js';
export { type Load4bitOptions, type Loaded4bitModel, loadModel4bit } from './loading/load-4bit.js';
export {
  type BnbQuantizationConfig,
  type SaveQuantizedOptions,
  Bnb4bitFormatError,
  saveQuantizedModel,
  loadQuantizedModel,
} from './serialization/bnb-4bit.format.js';
export { Linear8bit } from './int8/linear-8bit.js';
export {
  type QuantizeModel8bitOptions,
  type Int8WeightSource,
  quantizeModel8bit,
  quantizeModel8bitFrom,
} from './int8/quantize-model-8bit.js';
export { type Load8bitOptions, type Loaded8bitModel, loadModel8bit } from './loading/load-8bit.js';
export { type LoadAnyModelOptions, type LoadedAnyModel, loadAnyModel, storedQuantization } from './loading/load-any-model.js';
export { type DequantizedLayer, dequantizeModel } from './dequantize/dequantize-model.js';
export {
  type BnbComputeDtype,
  type BnbConfig,
  BNB_CONFIG_DEFAULTS,
  BnbConfigError,
  describeBnbConfig,
  parseBnbConfig,
  toBnbConfigDict,
} from './config/bnb.config.js';
export {
  type SaveInt8Options,
  Bnb8bitFormatError,
  saveInt8Model,
  loadInt8Model,
} from './serialization/bnb-8bit.format.js';
