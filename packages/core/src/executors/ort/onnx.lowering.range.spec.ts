import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import { Tensor } from '../../tensor/tensor.js';
import { lowerToOnnx } from './onnx.lowering.js';

type Sizes = { past: number; seq: number; total: number };
const sized = (past: number, seq: number): Sizes => ({ past, seq, total: past + seq });

/**
 * Cache slots as a sliding-window mask needs them: the new rows' slots past..total-1 and every
 * key's slot 0..total-1, each `range`'s bounds traced from the sizes of the inputs.
 */
function slots({ past, seq, total }: Sizes): Tensor {
  const cached = Tensor.input('cached', [past], 'i64');
  const fresh = Tensor.input('fresh', [seq], 'i64');
  const mask = Tensor.input('mask', [total], 'i64');
  return Tensor.concat([cached, fresh.add(Tensor.range(past, total))], 0).add(mask.mul(Tensor.range(0, total)));
}

const i64 = (values: number[]) => new OrtTensor('int64', BigInt64Array.from(values, BigInt), [values.length]);

describe('range lowered with run-time bounds', () => {
  it('traced at three sizes, runs at others (an empty past included) with the bounds those inputs give', async () => {
    const traces = [sized(4, 3), sized(2, 5), sized(3, 2)];
    const [primary, ...others] = traces.map((sizes) => ({ graph: new Graph([slots(sizes).node]), sizes }));
    const lowered = lowerToOnnx(primary.graph, { outputNames: ['out'], dynamic: { sizes: primary.sizes, others } });
    const session = await InferenceSession.create(lowered.encode(), { logSeverityLevel: 3 });
    try {
      for (const { past, seq, total } of [sized(6, 4), sized(0, 3), sized(9, 1)]) {
        const cached = Array.from({ length: past }, (_, i) => 100 + i);
        const fresh = Array.from({ length: seq }, (_, i) => -10 * i);
        const mask = Array.from({ length: total }, (_, i) => i % 2);
        const { out } = await session.run({ cached: i64(cached), fresh: i64(fresh), mask: i64(mask) });
        const want = [...cached, ...fresh.map((v, i) => v + past + i)].map((v, i) => v + mask[i] * i);
        expect(Array.from(out.data as BigInt64Array, Number), `past ${past}, seq ${seq}`).toEqual(want);
      }
    } finally {
      await session.release();
    }
  });
});
