export {
  type QuantType4Bit,
  NF4_CODE,
  NF4_THRESHOLDS,
  FP4_RAW,
  FP4_CODE,
  FP4_DEQUANT_LUT,
  FP4_THRESHOLDS,
  DYNAMIC_MAP_SIGNED,
  createDynamicMap,
  quantizeNf4Value,
  quantizeFp4Value,
  dequantizeNf4Value,
  dequantizeFp4Value,
  quantizeToMap,
} from './quant/code-tables.js';
export {
  BLOCKSIZES_4BIT,
  type Quantize4BitOptions,
  type Quantized4Bit,
  type Dequantize4BitInput,
  assertBlocksize4Bit,
  blockAbsmax,
  quantize4bit,
  dequantize4bit,
} from './quant/blockwise.js';
export {
  DOUBLE_QUANT_BLOCKSIZE,
  type DoubleQuantized,
  doubleQuantize,
  doubleDequantize,
} from './quant/double-quant.js';
export {
  type Linear4bitOptions,
  type Linear4bitQuantState,
  type QuantizeModelOptions,
  type LinearWeightSource,
  Linear4bit,
  codeTable4bit,
  quantizationTargets,
  quantizeModel,
  quantizeModelFrom,
} from './layers/linear-4bit.js';
export { type Load4bitOptions, type Loaded4bitModel, loadModel4bit } from './loading/load-4bit.js';
export {
  BNB_WEIGHTS_FILE,
  type BnbQuantizationConfig,
  type SaveQuantizedOptions,
  Bnb4bitFormatError,
  bnbQuantizationConfig,
  packQuantStateJson,
  quantizedStateDict,
  saveQuantizedModel,
  loadQuantizedModel,
} from './serialization/bnb-4bit.format.js';
export {
  type Int8Quantized,
  INT8_DEQUANT_SCALE,
  roundHalfEven,
  int8VectorwiseQuant,
  int8VectorwiseDequant,
  quantizeWeightInt8,
} from './int8/int8-vectorwise.js';
export { type Linear8bitOptions, LLM_INT8_DEFAULT_THRESHOLD, Linear8bit } from './int8/linear-8bit.js';
export {
  type QuantizeModel8bitOptions,
  type Int8WeightSource,
  int8QuantizationTargets,
  quantizeModel8bit,
  quantizeModel8bitFrom,
} from './int8/quantize-model-8bit.js';
export { type Load8bitOptions, type Loaded8bitModel, loadModel8bit } from './loading/load-8bit.js';
export { type LoadAnyModelOptions, type LoadedAnyModel, loadAnyModel, storedQuantization } from './loading/load-any-model.js';
export { type DequantizedLayer, dequantizeModel } from './dequantize/dequantize-model.js';
export { DEFAULT_SKIP_MODULES, isSkippedModule } from './config/skip-modules.js';
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
  BNB_8BIT_WEIGHTS_FILE,
  type SaveInt8Options,
  Bnb8bitFormatError,
  int8StateDict,
  saveInt8Model,
  loadInt8Model,
} from './serialization/bnb-8bit.format.js';
