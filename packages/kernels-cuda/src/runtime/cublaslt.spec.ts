import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GemmStep } from '../plan/kernel-plan.types.js';
import { type ColumnMajorGemm, columnMajor, computeTypeOf } from './cublaslt.js';

const gemm = (m: number, n: number, k: number, transA: boolean, transB: boolean): GemmStep => ({
  kind: 'gemm', label: 'mm', a: 1, b: 2, c: 3, m, n, k, batch: 1, transA, transB, strideA: 0, strideB: 0, strideC: 0,
  alpha: 1, beta: 0, computeType: 'f32', reads: [1, 2], writes: [3],
});

/** What cuBLASLt computes for a ColumnMajorGemm: D = op(first)·op(second), column-major with ld = rows. */
function cublasSemantics(g: ColumnMajorGemm, buffers: Record<number, Float64Array>): Float64Array {
  const read = (o: ColumnMajorGemm['first'], r: number, c: number) => (o.trans ? buffers[o.buffer][r * o.rows + c] : buffers[o.buffer][c * o.rows + r]);
  const inner = g.first.trans ? g.first.rows : g.first.cols;
  const out = new Float64Array(g.out.rows * g.out.cols);
  for (let r = 0; r < g.out.rows; r++) for (let c = 0; c < g.out.cols; c++) {
    let s = 0;
    for (let p = 0; p < inner; p++) s += read(g.first, r, p) * read(g.second, p, c);
    out[c * g.out.rows + r] = s;
  }
  return out;
}

describe('columnMajor', () => {
  it("is the row-major product the plan asks for, whatever the transposes (checked through cuBLASLt's column-major definition)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), fc.boolean(), (m, n, k, ta, tb) => {
        const A = Float64Array.from({ length: m * k }, (_, i) => ((i * 7) % 11) - 5);
        const B = Float64Array.from({ length: k * n }, (_, i) => ((i * 5) % 13) - 6);
        // Row-major op(A)[i, p] and op(B)[p, j] as the plan stores them.
        const a = (i: number, p: number) => (ta ? A[p * m + i] : A[i * k + p]);
        const b = (p: number, j: number) => (tb ? B[j * k + p] : B[p * n + j]);
        const got = cublasSemantics(columnMajor(gemm(m, n, k, ta, tb)), { 1: A, 2: B });
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
          // Row-major C[i, j] is at i·n + j: the column-major [n, m] result read the same way.
          expect(got[i * n + j]).toBe(s);
        }
      }),
      { seed: 17, numRuns: 200 },
    );
  });

  it('keeps each operand\'s batch stride with it', () => {
    const g = columnMajor({ ...gemm(2, 3, 4, false, false), batch: 5, strideA: 8, strideB: 0, strideC: 6 });
    expect([g.first.stride, g.second.stride, g.out.stride]).toEqual([0, 8, 6]);
  });
});

describe('computeTypeOf', () => {
  it('takes the fast tensor-core modes only for f32 inputs, and f32 accumulation for half inputs', () => {
    const step = gemm(1, 1, 1, false, false);
    expect(['f32', 'tf32', 'bf16', 'f16'].map((c) => computeTypeOf({ ...step, computeType: c as GemmStep['computeType'] }, 'f32'))).toEqual([68, 77, 75, 74]);
    expect(computeTypeOf({ ...step, computeType: 'bf16' }, 'bf16')).toBe(68);
  });
});
