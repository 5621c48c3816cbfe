export { OnnxExporter } from './onnx.exporter.js';
export { type OnnxExportOptions, type OnnxExportResult, type OnnxSource, exportOnnx } from './onnx-export.js';
export { DECODER_NAMES, type DecoderSizes, traceDecoder } from './decoder.trace.js';
export { ONNX_FILES, type OnnxDtype } from './onnx-weights.js';
export { type Q4Weight, dequantizeQ4, quantizeQ4 } from './matmul-nbits.quantizer.js';
