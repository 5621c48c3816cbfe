import type { DType, Parameter } from '@tunekit/core';

/**
 * The contract between the code generator (graph → plan) and the runtime (plan → device). A plan is
 * plain data, so it can be snapshot-tested, checked on a CPU, and cached, and the runtime never
 * looks at the IR.
 */

/** Where a buffer's contents come from, which decides who allocates it and for how long. */
export type BufferRole =
  /** Fed by the caller at each run (`Program.run(feeds)`), by input name. */
  | 'input'
  /** A parameter's value: uploaded once and kept on the device across runs. */
  | 'param'
  /** A constant baked into the graph: uploaded once with the plan. */
  | 'const'
  /** Lives from the step that writes it to the last step that reads it; the memory planner packs these. */
  | 'temp'
  /** Copied back to the host at the end of the run. */
  | 'output';

export interface PlanBuffer {
  readonly id: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly bytes: number;
  readonly role: BufferRole;
  /** For `input`: the feed name. */
  readonly inputName?: string;
  /** For `param`. */
  readonly param?: Parameter;
  /** For `const`: the raw bytes, little-endian as on the device. */
  readonly data?: Uint8Array;
  /** The buffer shares storage with another one (a reshape): same bytes, no copy. */
  readonly aliasOf?: number;
}

/**
 * One argument of a kernel launch, in the order of the kernel's parameter list. A null pointer
 * (an optional buffer a kernel skips, such as attention's mask) is `{ kind: 'i64', value: 0n }`:
 * the same eight zero bytes in the parameter slot.
 */
export type KernelArg =
  | { readonly kind: 'buffer'; readonly buffer: number }
  | { readonly kind: 'i32'; readonly value: number }
  | { readonly kind: 'i64'; readonly value: bigint }
  | { readonly kind: 'f32'; readonly value: number };

/** A generated or hand-written CUDA C kernel, compiled by NVRTC (cached by source and arch). */
export interface KernelStep {
  readonly kind: 'kernel';
  /** The IR nodes this launch computes, for errors and profiles (`add#12+exp#13`). */
  readonly label: string;
  readonly source: string;
  readonly entry: string;
  readonly grid: readonly [number, number, number];
  readonly block: readonly [number, number, number];
  readonly sharedBytes: number;
  readonly args: readonly KernelArg[];
  /** Buffers the kernel reads and writes: the memory planner's lifetimes come from these. */
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

/** A (batched) matmul through cuBLASLt, row-major as the IR is: C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b]. */
export interface GemmStep {
  readonly kind: 'gemm';
  readonly label: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly batch: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Elements between consecutive batch matrices; 0 broadcasts one matrix over the batch. */
  readonly strideA: number;
  readonly strideB: number;
  readonly strideC: number;
  readonly alpha: number;
  readonly beta: number;
  readonly computeType: 'f32' | 'tf32' | 'bf16' | 'f16';
  readonly reads: readonly number[];
  readonly writes: readonly number[];
}

export type PlanStep = KernelStep | GemmStep;

export interface KernelPlan {
  readonly buffers: readonly PlanBuffer[];
  readonly steps: readonly PlanStep[];
  /** Output buffers, in the order the graph's outputs were given to `compile`. */
  readonly outputs: readonly number[];
}
