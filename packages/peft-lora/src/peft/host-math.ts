/** Small dense linear algebra on the host, in float64, for merges and initialisations. */

/** C[m, n] = A[m, k] · B[k, n] (row-major). */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p];
      if (aip === 0) continue;
      const row = p * n;
      const out = i * n;
      for (let j = 0; j < n; j++) c[out + j] += aip * b[row + j];
    }
  }
  return c;
}

export function transpose(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a[i * n + j];
  return t;
}

/** Euclidean norm of each row of a [m, n] matrix. */
export function rowNorms(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += a[i * n + j] ** 2;
    out[i] = Math.sqrt(s);
  }
  return out;
}
