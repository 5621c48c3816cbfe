import 'reflect-metadata';

export { type DType, type FloatDType, DTYPES, DTYPE_INFO, isFloat, numel, toFloat32, fromFloat32, f32ToBf16Bits, bf16BitsToF32, f32ToF16Bits, f16BitsToF32 } from './dtype.js';
export { HostTensor } from './host-tensor.js';

export { ALL_OPS, OP_GROUPS, type MatmulNbitsAttrs, type Op, type OpAttrs, type OpGroup } from './ir/ops.js';
export { Node } from './ir/node.js';
export { Graph, topoSort, rewrite } from './ir/graph.js';
export { decomposeComposites } from './tensor/decompose-composites.js';
export { ShapeError } from './ir/shape-error.js';
export { withScope, checkpointSegment, takeTracedFeeds } from './ir/trace-context.js';
export { DECOMPOSITIONS } from './tensor/decompositions.js';

export { Tensor, type Operand } from './tensor/tensor.js';
export { F } from './tensor/functional.js';
export { type NbitsWeight, quantizeNbits } from './quant/quantize-nbits.js';
export { type LinearQuantization, withQuantizedLinears } from './quant/quantized-linears.js';

export { grad, backpropagate, GRAD_RULES } from './autodiff/index.js';
export { TrainStep, type StepResult } from './train/index.js';

export { type Executor, type Program, type Feeds } from './executors/executor.interface.js';
export { ReferenceExecutor, ReferenceProgram } from './executors/reference/index.js';
export { contiguousStrides } from './executors/reference/reference.values.js';
export { OrtExecutor } from './executors/ort/index.js';
// The IR → ONNX lowering, for exporting a traced model as a stand-alone ONNX file.
export {
  type ElemType as OnnxElemType,
  type ExternalRef,
  type ExternalWriter,
  type LowerOptions,
  type LoweredGraph,
  type OnnxBuilder,
  type SizedTrace,
  type StoredWeight,
  MS_DOMAIN,
  attr as onnxAttr,
  dynamicAttention,
  lowerToOnnx,
} from './executors/ort/index.js';
export { type ExecutorProvider, ORT_EXECUTOR, REFERENCE_EXECUTOR, createExecutor, registerExecutors } from './executors/executor-provider.js';

export * from './nn/index.js';
export * from './optim/index.js';
export * from './safetensors/index.js';

export { Rng, type RngState } from './random/rng.js';
export * from './config/index.js';
export { DiskFullError, type WriteDirOptions, publishFiles, writeDirAtomically } from './util/atomic-dir.js';
export { JsonFileError, jsonSyntaxMessage, readJsonObject, writeJsonFile } from './util/json-file.js';
export { MAX_DETAIL, clipDetail, showValue } from './util/show-value.js';
export { EventBus } from './events/event-bus.js';
export * from './tensorboard/index.js';
export type { TrainerEvent, TrainerEventType, TrainerCommand, EventOf } from './events/events.js';
export { EXECUTOR, EVENT_BUS, EXECUTOR_PROVIDER, EXPORTER } from './tokens.js';
export type { Exporter, ExporterFlags, ExportRequest } from './export/exporter.interface.js';


// --- trainer (packages/core/src/trainer) ---
export * from './trainer/index.js';
export { TRAINING_ARGUMENTS, TASK, TASK_PROVIDER, MODEL_CHECKPOINTER, CALLBACK } from './tokens.js';

// --- several processes (packages/core/src/distributed) ---
export * from './distributed/index.js';
