// The package barrel: what users of @tunekit/exporters call.
import type { DependencyContainer } from 'tsyringe';
import { EXPORTER } from '@tunekit/core';
import { GgufExporter } from './gguf/gguf.exporter.js';
import { GgufLoraExporter } from './gguf/gguf-lora.exporter.js';
import { OnnxExporter } from './onnx/index.js';

// ---- GGUF (llama.cpp, Ollama) ----
export { GgufExporter } from './gguf/gguf.exporter.js';
export { GgufLoraExporter } from './gguf/gguf-lora.exporter.js';
export { type GgufExportOptions, type GgufExportSummary, exportGguf } from './gguf/export-gguf.js';
export { exportGgufLora } from './gguf/lora/export-gguf-lora.js';
export { type GgufFile, type GgufTensorSource, writeGguf } from './gguf/format/gguf.writer.js';
export { type GgufContents, GgufFormatError, readGguf } from './gguf/format/gguf.reader.js';
export { type GgufValue } from './gguf/format/gguf-value.js';
export { GGML_TYPES, type GgmlType, type GgmlTypeName, decodeTensor, encodeTensor } from './gguf/quant/ggml-types.js';
export { GGUF_PRESETS, type GgufPreset, isGgufPreset, tensorType } from './gguf/model/quant-presets.js';
export { type MergedModel, loadMergedModel } from './gguf/model/load-merged-model.js';
export { ollamaModelfile } from './gguf/ollama/ollama-modelfile.js';

// ---- ONNX ----
export * from './onnx/index.js';

/** Registers every format this package writes under EXPORTER (`tunekit export --format NAME`). */
export function register(container: DependencyContainer): void {
  container.register(EXPORTER, { useClass: GgufExporter });
  container.register(EXPORTER, { useClass: GgufLoraExporter });
  container.register(EXPORTER, { useClass: OnnxExporter });
}
