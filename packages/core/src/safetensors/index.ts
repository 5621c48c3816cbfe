export { SafetensorsError } from './safetensors.errors.js';
export {
  SAFETENSORS_DTYPE_BYTES,
  type SafetensorsDType,
  DTYPE_TO_SAFETENSORS,
  isSafetensorsDType,
  toDType,
} from './safetensors.dtypes.js';
export {
  type HeaderTensor,
  type ParsedHeader,
  MAX_HEADER_BYTES,
  METADATA_KEY,
  decodeHeader,
  parseHeader,
  readHeaderLength,
} from './safetensors.header.js';
export { type IoChunk, planChunks } from './safetensors.io.js';
export { type ReadOptions, ReadScratch, type SafetensorsTensorInfo, SafetensorsFile, readSafetensors } from './safetensors.reader.js';
export { type TensorMap, serializeSafetensors, writeSafetensors } from './safetensors.writer.js';
