import type { LibraryHandle } from 'koffi';
import type { DType } from '@tunekit/core';
import type { GemmStep } from '../plan/kernel-plan.types.js';
import { bind, slot64 } from './ffi.js';

const PROTOTYPES = {
  create: 'int cublasLtCreate(void *handle)',
  destroy: 'int cublasLtDestroy(void *handle)',
  descCreate: 'int cublasLtMatmulDescCreate(void *desc, int computeType, int scaleType)',
  descDestroy: 'int cublasLtMatmulDescDestroy(void *desc)',
  descSet: 'int cublasLtMatmulDescSetAttribute(void *desc, int attribute, const void *value, size_t size)',
  layoutCreate: 'int cublasLtMatrixLayoutCreate(void *layout, int type, uint64_t rows, uint64_t cols, int64_t ld)',
  layoutDestroy: 'int cublasLtMatrixLayoutDestroy(void *layout)',
  layoutSet: 'int cublasLtMatrixLayoutSetAttribute(void *layout, int attribute, const void *value, size_t size)',
  prefCreate: 'int cublasLtMatmulPreferenceCreate(void *pref)',
  prefDestroy: 'int cublasLtMatmulPreferenceDestroy(void *pref)',
  prefSet: 'int cublasLtMatmulPreferenceSetAttribute(void *pref, int attribute, const void *value, size_t size)',
  heuristic:
    'int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, void *results, int *returned)',
  matmul:
    'int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t a, void *aDesc, uint64_t b, void *bDesc, const void *beta, uint64_t c, void *cDesc, uint64_t d, void *dDesc, const void *algo, uint64_t workspace, size_t workspaceBytes, void *stream)',
  statusName: 'const char *cublasLtGetStatusName(int status)',
} as const;

/** cudaDataType_t (library_types.h) of each storage dtype a matmul takes. */
const DATA_TYPE: Partial<Record<DType, number>> = { f32: 0, f16: 2, bf16: 14 };
/** cublasComputeType_t: f32 accumulation always; the fast modes round f32 inputs to tf32/bf16/f16 inside the tensor cores. */
const COMPUTE = { f32: 68, tf32: 77, bf16: 75, f16: 74 } as const satisfies Record<GemmStep['computeType'], number>;
const CUBLAS_COMPUTE_32F = 68;
const CUDA_R_32F = 0;
const DESC = { transA: 3, transB: 4 } as const;
const LAYOUT = { batchCount: 5, stridedBatchOffset: 6 } as const;
const PREF_MAX_WORKSPACE = 1;
/** sizeof(cublasLtMatmulHeuristicResult_t): a 64-byte algo, size_t workspaceSize, status, float waves, int[4]. */
const HEURISTIC_RESULT_BYTES = 96;
const HEURISTIC_STATE_OFFSET = 72;
/** What NVIDIA recommends for Hopper: 32 MiB lets cuBLASLt pick its split-K and stream-K algorithms. */
export const GEMM_WORKSPACE_BYTES = 32 * 1024 * 1024;

/**
 * The column-major problem cuBLASLt solves for the plan's row-major one. A row-major [r, c] matrix
 * is a column-major [c, r] one, so C = op(A)·op(B) (row-major) is Cᵀ = op(B)ᵀ·op(A)ᵀ (column-major):
 * cuBLASLt's first operand is the plan's B, its second the plan's A, and nothing is copied.
 */
export interface ColumnMajorGemm {
  readonly first: { readonly buffer: number; readonly trans: boolean; readonly rows: number; readonly cols: number; readonly stride: number };
  readonly second: { readonly buffer: number; readonly trans: boolean; readonly rows: number; readonly cols: number; readonly stride: number };
  readonly out: { readonly rows: number; readonly cols: number; readonly stride: number };
}

export function columnMajor(s: GemmStep): ColumnMajorGemm {
  return {
    // B is [k, n] row-major (or [n, k] when transposed): stored column-major as [n, k] (or [k, n]).
    first: { buffer: s.b, trans: s.transB, rows: s.transB ? s.k : s.n, cols: s.transB ? s.n : s.k, stride: s.strideB },
    second: { buffer: s.a, trans: s.transA, rows: s.transA ? s.m : s.k, cols: s.transA ? s.k : s.m, stride: s.strideA },
    out: { rows: s.n, cols: s.m, stride: s.strideC },
  };
}

/** f32 inputs may take a fast mode; half inputs already are what the tensor cores read, with f32 accumulation. */
export const computeTypeOf = (step: GemmStep, inputs: DType): number => (inputs === 'f32' ? COMPUTE[step.computeType] : CUBLAS_COMPUTE_32F);

interface Prepared {
  readonly desc: bigint;
  readonly layouts: readonly [bigint, bigint, bigint];
  readonly algo: Buffer;
  readonly alpha: Float32Array;
  readonly beta: Float32Array;
}

/** cuBLASLt on the driver's stream, with one workspace and each step's descriptors and algorithm chosen once. */
export class CublasLt {
  private readonly fn;
  private readonly handle: bigint;
  private readonly prepared = new Map<GemmStep, Prepared>();

  constructor(
    lib: LibraryHandle,
    readonly path: string,
    private readonly stream: bigint,
    private readonly workspace: bigint,
  ) {
    this.fn = bind(lib, PROTOTYPES);
    const handle = slot64();
    this.check('cublasLtCreate', this.fn.create(handle));
    this.handle = handle[0];
  }

  private check(call: string, status: number): void {
    if (status !== 0) throw new Error(`${call}: ${this.fn.statusName(status) as string} (cublasStatus_t ${status})`);
  }

  private setInt(set: 'descSet' | 'layoutSet', target: bigint, attribute: number, value: number | bigint, bytes: 4 | 8): void {
    const data = bytes === 4 ? Int32Array.of(Number(value)) : BigInt64Array.of(BigInt(value));
    this.check(`cublasLt ${set}(${attribute})`, this.fn[set](target, attribute, data, bytes));
  }

  private layout(type: number, rows: number, cols: number, batch: number, stride: number): bigint {
    const layout = slot64();
    this.check('cublasLtMatrixLayoutCreate', this.fn.layoutCreate(layout, type, rows, cols, rows));
    if (batch > 1) {
      this.setInt('layoutSet', layout[0], LAYOUT.batchCount, batch, 4);
      this.setInt('layoutSet', layout[0], LAYOUT.stridedBatchOffset, stride, 8);
    }
    return layout[0];
  }

  private prepare(step: GemmStep, dtypes: { a: DType; b: DType; c: DType }): Prepared {
    const cm = columnMajor(step);
    const type = (d: DType): number => {
      const t = DATA_TYPE[d];
      if (t === undefined) throw new Error(`gemm ${step.label}: cuBLASLt takes f32, f16 or bf16 matrices, not ${d}`);
      return t;
    };
    const desc = slot64();
    this.check('cublasLtMatmulDescCreate', this.fn.descCreate(desc, computeTypeOf(step, dtypes.a), CUDA_R_32F));
    this.setInt('descSet', desc[0], DESC.transA, cm.first.trans ? 1 : 0, 4);
    this.setInt('descSet', desc[0], DESC.transB, cm.second.trans ? 1 : 0, 4);
    const layouts = [
      this.layout(type(dtypes.b), cm.first.rows, cm.first.cols, step.batch, cm.first.stride),
      this.layout(type(dtypes.a), cm.second.rows, cm.second.cols, step.batch, cm.second.stride),
      this.layout(type(dtypes.c), cm.out.rows, cm.out.cols, step.batch, cm.out.stride),
    ] as const;
    const pref = slot64();
    this.check('cublasLtMatmulPreferenceCreate', this.fn.prefCreate(pref));
    this.check('cublasLtMatmulPreferenceSetAttribute', this.fn.prefSet(pref[0], PREF_MAX_WORKSPACE, BigUint64Array.of(BigInt(GEMM_WORKSPACE_BYTES)), 8));
    const algo = Buffer.alloc(HEURISTIC_RESULT_BYTES);
    const returned = new Int32Array(1);
    this.check(`cublasLtMatmulAlgoGetHeuristic(${step.label})`, this.fn.heuristic(this.handle, desc[0], layouts[0], layouts[1], layouts[2], layouts[2], pref[0], 1, algo, returned));
    this.fn.prefDestroy(pref[0]);
    if (returned[0] < 1 || algo.readInt32LE(HEURISTIC_STATE_OFFSET) !== 0) {
      throw new Error(`gemm ${step.label}: cuBLASLt has no algorithm for ${dtypes.a}·${dtypes.b}→${dtypes.c} [${step.m}×${step.k}]·[${step.k}×${step.n}] ×${step.batch} (${step.computeType})`);
    }
    return { desc: desc[0], layouts, algo, alpha: Float32Array.of(step.alpha), beta: Float32Array.of(step.beta) };
  }

  /** Enqueues C = alpha·op(A)·op(B) + beta·C on the stream; `address` gives each plan buffer's device address. */
  matmul(step: GemmStep, dtypes: { a: DType; b: DType; c: DType }, address: (buffer: number) => bigint): void {
    let p = this.prepared.get(step);
    if (!p) this.prepared.set(step, (p = this.prepare(step, dtypes)));
    const cm = columnMajor(step);
    const [first, second, out] = p.layouts;
    const c = address(step.c);
    this.check(
      `cublasLtMatmul(${step.label})`,
      this.fn.matmul(this.handle, p.desc, p.alpha, address(cm.first.buffer), first, address(cm.second.buffer), second, p.beta, c, out, c, out, p.algo, this.workspace, GEMM_WORKSPACE_BYTES, this.stream),
    );
  }

  dispose(): void {
    for (const p of this.prepared.values()) {
      for (const l of p.layouts) this.fn.layoutDestroy(l);
      this.fn.descDestroy(p.desc);
    }
    this.prepared.clear();
    this.check('cublasLtDestroy', this.fn.destroy(this.handle));
  }
}
