import { afterAll, describe, expect, it } from 'vitest';
import type { HostTensor } from '../host-tensor.js';
import type { Executor } from '../executors/executor.interface.js';
import { ReferenceExecutor } from '../executors/reference/index.js';
import { ALL_OPS } from '../ir/ops.js';
import { Tensor } from '../tensor/tensor.js';
import { OP_CASES } from './op-cases.js';
import { maxError, nd } from './op-values.test-support.js';

const values = (h: HostTensor): number[] => nd(h).data;

/**
 * The op suite any executor runs: every case of every IR op (OP_CASES) compiled and run on
 * `create()`'s executor, its outputs' dtype and shape as traced, and its values against plain
 * loops and the reference executor (≤ 1e-5). A new backend passes this before anything else.
 */
export function describeOpSuite(name: string, create: () => Executor): void {
  describe(`${name}: every op against loops and the reference executor`, () => {
    const executor = create();
    const reference = new ReferenceExecutor();
    afterAll(() => executor.dispose());

    it('has a case for every op of the IR', () => {
      expect(Object.keys(OP_CASES).sort()).toEqual([...ALL_OPS].sort());
    });

    for (const op of ALL_OPS) {
      for (const c of OP_CASES[op]) {
        it(`${op}: ${c.name}`, async () => {
          const xs = c.inputs.map((h, k) => Tensor.input(`x${k}`, h.shape, h.dtype));
          const outputs = [c.fn(...xs)].flat();
          const feeds = Object.fromEntries(c.inputs.map((h, k) => [`x${k}`, h]));
          const got = await executor.compile(outputs).run(feeds);
          const expected = c.expect(...c.inputs.map(nd));
          const want = Array.isArray(expected[0]) ? (expected as number[][]) : [expected as number[]];
          const ref = await reference.compile(outputs).run(feeds);
          got.forEach((g, i) => {
            expect(g.dtype).toBe(outputs[i].dtype);
            expect(g.shape).toEqual(outputs[i].shape);
            expect(maxError(values(g), want[i])).toBeLessThan(1e-5);
            expect(maxError(values(g), values(ref[i]))).toBeLessThan(1e-5);
          });
        });
      }
    }
  });
}
