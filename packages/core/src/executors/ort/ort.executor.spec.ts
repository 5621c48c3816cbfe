import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor } from '../../host-tensor.js';
import { Graph } from '../../ir/graph.js';
import { Parameter } from '../../ir/parameter.js';
import { F } from '../../tensor/functional.js';
import { Tensor } from '../../tensor/tensor.js';
import { lowerGraph } from './onnx.lowering.js';
import { OrtExecutor } from './ort.executor.js';
import { toOrtTensor } from './ort.tensors.js';
import { bools, f32, i64, nd, rand } from '../../testing/op-values.test-support.js';

const ort = new OrtExecutor({ threads: 1 });
afterAll(() => ort.dispose());

const values = (h: HostTensor): number[] => nd(h).data;

/** How many nodes of `opType` a lowered model has (op_type is field 4 of NodeProto: tag 0x22). */
function countOps(model: Uint8Array, opType: string): number {
  const needle = [0x22, opType.length, ...Buffer.from(opType)];
  let n = 0;
  for (let i = 0; i + needle.length <= model.length; i++) if (needle.every((b, k) => model[i + k] === b)) n++;
  return n;
}

describe('OrtExecutor', () => {
  it('creates one session per distinct signature, however often a step is re-traced', async () => {
    const exec = new OrtExecutor({ threads: 1 });
    const w = Parameter.fromValues([3, 2], [1, 2, 3, 4, 5, 6]);
    const step = (rows: number) => F.linear(Tensor.input('x', [rows, 2]), Tensor.param(w)).relu().sum();
    const first = await exec.compile([step(2)]).run({ x: f32([2, 2], [1, 1, 1, -1]) });
    const again = await exec.compile([step(2)]).run({ x: f32([2, 2], [1, 0, 0, 1]) });
    expect(exec.sessionsCreated).toBe(1);
    expect(values(first[0])).toEqual([3 + 7 + 11]);
    expect(values(again[0])).toEqual([1 + 3 + 5 + 2 + 4 + 6]);
    await exec.compile([step(3)]).run({ x: f32([3, 2], [1, 0, 0, 1, 0, 0]) });
    expect(exec.sessionsCreated).toBe(2);
    await exec.dispose();
    // Disposing releases the cache: the next compile builds a fresh session.
    expect(values((await exec.compile([step(2)]).run({ x: f32([2, 2], [1, 1, 1, -1]) }))[0])).toEqual([21]);
    expect(exec.sessionsCreated).toBe(3);
    await exec.dispose();
  });

  it('reads parameters at each run: in-place updates and assign() are seen without recompiling', async () => {
    const exec = new OrtExecutor({ threads: 1 });
    const p = Parameter.fromValues([2], [1, 2]);
    const program = exec.compile([Tensor.input('x', [2]).mul(Tensor.param(p))]);
    const x = f32([2], [3, 4]);
    expect(values((await program.run({ x }))[0])).toEqual([3, 8]);
    (p.value.data as Float32Array)[0] = 10;
    expect(values((await program.run({ x }))[0])).toEqual([30, 8]);
    p.assign(f32([2], [-1, 0.5]));
    expect(values((await program.run({ x }))[0])).toEqual([-3, 2]);
    expect(exec.sessionsCreated).toBe(1);
    await exec.dispose();
  });

  it('hands parameter storage to ORT without copying it', () => {
    const data = new Float32Array([1, 2, 3]);
    expect(toOrtTensor('f32', [3], data).data).toBe(data);
    const half = new Uint16Array([0x3c00]);
    expect(toOrtTensor('f16', [1], half).data).toBe(half);
  });

  it('names the input in feed errors', async () => {
    const program = ort.compile([Tensor.input('tokens', [2, 3]).exp()]);
    await expect(program.run({})).rejects.toThrow(/missing feed for input "tokens"/);
    await expect(program.run({ tokens: rand([3, 2]) })).rejects.toThrow(/input "tokens" expects shape \[2, 3\], got \[3, 2\]/);
    await expect(program.run({ tokens: i64([2, 3], [1, 2, 3, 4, 5, 6]) })).rejects.toThrow(/input "tokens" expects dtype f32, got i64/);
  });

  it('takes i64 inputs and returns bool outputs', async () => {
    const ids = Tensor.input('ids', [4], 'i64');
    const table = Tensor.param(Parameter.fromValues([3, 2], [0, 1, 10, 11, 20, 21]));
    const [rows, isTwo] = await ort.compile([table.gather(0, ids), ids.eq(2)]).run({ ids: i64([4], [2, 0, 2, 1]) });
    expect(values(rows)).toEqual([20, 21, 0, 1, 20, 21, 10, 11]);
    expect(isTwo.dtype).toBe('bool');
    expect(isTwo.data).toBeInstanceOf(Uint8Array);
    expect(values(isTwo)).toEqual([1, 0, 1, 0]);
  });

  it('returns leaves as outputs (param, input, const) and a node listed twice as two tensors', async () => {
    const p = Parameter.fromValues([2], [5, 6]);
    // Named like the ONNX input of the first parameter, which must then be named otherwise.
    const x = Tensor.input('param_0', [2]);
    const c = Tensor.fromValues([2], [7, 8]);
    const y = x.add(1);
    const out = await ort.compile([Tensor.param(p), x, c, y, y]).run({ param_0: f32([2], [1, 2]) });
    expect(out.map(values)).toEqual([[5, 6], [1, 2], [7, 8], [2, 3], [2, 3]]);
    expect(out[3].data).not.toBe(out[4].data);
  });

  it('compiles a long chain (2000 adds)', async () => {
    const x = Tensor.input('x', [4]);
    let y = x;
    for (let i = 0; i < 2000; i++) y = y.add(x);
    const [out] = await ort.compile([y]).run({ x: f32([4], [1, 2, 3, 0.5]) });
    expect(values(out)).toEqual([2001, 4002, 6003, 1000.5]);
  });

  it('feeds f16 parameters as is, bf16 widened, and returns half-precision outputs', async () => {
    const h = Parameter.fromValues([3], [1, -2, 0.5], 'f16');
    const b = Parameter.fromValues([3], [3, 0.25, -4], 'bf16');
    const x = Tensor.input('x', [3]);
    const sum = Tensor.param(h).cast('f32').add(Tensor.param(b).cast('f32')).mul(x);
    const out = await ort.compile([sum, Tensor.param(h), Tensor.param(b), sum.cast('bf16')]).run({ x: f32([3], [1, 2, 3]) });
    expect(out.map((o) => o.dtype)).toEqual(['f32', 'f16', 'bf16', 'bf16']);
    expect(out.map(values)).toEqual([[4, -3.5, -10.5], [1, -2, 0.5], [3, 0.25, -4], [4, -3.5, -10.5]]);
  });

  it('emits one Split for sibling pieces and no Cast or Identity in a plain f32 graph', () => {
    const x = Tensor.input('x', [2, 6]);
    const [a, , c] = x.split([1, 2, 3], 1);
    const model = lowerGraph(new Graph([a.sum().add(c.sum()).node])).bytes;
    expect(countOps(model, 'Split')).toBe(1);
    expect(countOps(model, 'Cast') + countOps(model, 'Identity')).toBe(0);
  });

  it('keeps bool masks exact through where, pad and concat', async () => {
    const m = Tensor.input('m', [2]);
    const keep = Tensor.input('k', [2], 'bool');
    const padded = Tensor.concat([keep, keep.not()], 0).pad([[1, 0]], 1);
    const [out, mask] = await ort.compile([Tensor.where(keep, m, 0), padded]).run({ m: f32([2], [3, 4]), k: bools([2], [0, 1]) });
    expect(values(out)).toEqual([0, 4]);
    expect(values(mask)).toEqual([1, 0, 1, 1, 0]);
  });
});

describe('x·Wᵀ for a decode step of a few rows', () => {
  it('is lowered as (W·xᵀ)ᵀ for 2 to 32 rows of one position, and gives the plain product', async () => {
    const [n, k] = [24, 40];
    const w = new Parameter(rand([n, k]));
    const lowered = (shape: number[]) => lowerGraph(new Graph([F.linear(Tensor.input('x', shape), Tensor.param(w)).node])).bytes;
    // The weight's transpose, then W back, xᵀ and the result's transpose: W is the MatMul's left operand.
    expect(countOps(lowered([8, 1, k]), 'Transpose')).toBe(4);
    // One row (MLAS's GEMV), many rows, or several positions per row keep x·Wᵀ.
    for (const shape of [[1, 1, k], [33, 1, k], [2, 4, k]]) expect(countOps(lowered(shape), 'Transpose'), `${shape}`).toBe(1);
    for (const rows of [2, 8, 32]) {
      const x = rand([rows, 1, k]);
      const [y] = await ort.compile([F.linear(Tensor.input('x', [rows, 1, k]), Tensor.param(w))]).run({ x });
      const xs = x.toFloat32();
      const ws = w.value.toFloat32();
      const want = Array.from({ length: rows * n }, (_, i) => {
        const [r, o] = [Math.floor(i / n), i % n];
        let s = 0;
        for (let j = 0; j < k; j++) s += xs[r * k + j] * ws[o * k + j];
        return s;
      });
      expect(y.shape).toEqual([rows, 1, n]);
      values(y).forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    }
  });
});
