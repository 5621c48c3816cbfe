import { afterAll, describe, expect, it } from 'vitest';
import { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import { Parameter } from '../../ir/parameter.js';
import { F } from '../../tensor/functional.js';
import { Tensor } from '../../tensor/tensor.js';
import { ReferenceExecutor } from '../reference/reference.executor.js';
import { bools, nd, rand } from '../../testing/op-values.test-support.js';
import { rewriteFedCache } from './onnx.fed-cache.js';
import { OrtExecutor } from './ort.executor.js';

const ort = new OrtExecutor({ threads: 1 });
afterAll(() => ort.dispose());

// Grouped-query heads (4 query heads on 2 key/value heads), a cache of 5 slots, head size 8.
const [B, HQ, HKV, S, D] = [2, 4, 2, 5, 8];
/** Concatenations that read a graph input (the fed cache): the copies the rewrite removes. */
const cacheCopies = (outputs: readonly Node[]) => new Graph(outputs).nodes.filter((n) => n.op === 'concat' && n.inputs.some((x) => x.op === 'input'));

/** One attention step the way a decoder traces it: [past ‖ new] keys and values, and the new slot back out. */
function step(t: number, past: { k: Tensor; v: Tensor }, softcap: number | null) {
  const q = Tensor.input('q', [B, HQ, t, D]);
  const [kNew, vNew] = [Tensor.input('k_new', [B, HKV, t, D]).mul(2), Tensor.input('v_new', [B, HKV, t, D]).neg()];
  const [k, v] = [Tensor.concat([past.k, kNew], 2), Tensor.concat([past.v, vNew], 2)];
  const mask = Tensor.input('mask', [B, 1, 1, S + t], 'bool');
  const out = F.attention(q, k, v, { mask, causal: true, scale: 0.3, softcap });
  return { outputs: [out, k.slice(2, S), v.slice(2, S)], kNew, vNew };
}

function feeds(t: number) {
  // Row 0 sees every slot; row 1 has its first two cache slots masked (left padding).
  const mask = Array.from({ length: B * (S + t) }, (_, i) => (i >= S + t && i - (S + t) < 2 ? 0 : 1));
  return {
    q: rand([B, HQ, t, D]),
    k_new: rand([B, HKV, t, D]),
    v_new: rand([B, HKV, t, D]),
    past_k: rand([B, HKV, S, D]),
    past_v: rand([B, HKV, S, D]),
    mask: bools([B, 1, 1, S + t], mask),
  };
}

const fedPast = () => ({ k: Tensor.input('past_k', [B, HKV, S, D]), v: Tensor.input('past_v', [B, HKV, S, D]) });

describe('rewriteFedCache', () => {
  for (const [t, softcap] of [
    [1, null],
    [3, null],
    [1, 2.5],
  ] as const) {
    it(`attends over a fed cache without concatenating it (T = ${t}, softcap ${softcap}), as the reference executor computes the concatenation`, async () => {
      const { outputs, kNew, vNew } = step(t, fedPast(), softcap);
      const rewritten = rewriteFedCache(outputs.map((o) => o.node));
      expect(cacheCopies(rewritten)).toEqual([]);
      // The new slot is the new keys and values themselves.
      expect(rewritten.slice(1)).toEqual([kNew.node, vNew.node]);

      const x = feeds(t);
      const [got, expected] = await Promise.all([ort.compile(outputs).run(x), new ReferenceExecutor().compile(outputs).run(x)]);
      got.forEach((g, i) => {
        const [a, e] = [nd(g), nd(expected[i])];
        expect(a.shape).toEqual(e.shape);
        a.data.forEach((value, j) => expect(Math.abs(value - e.data[j]), `output ${i} [${j}]`).toBeLessThan(1e-5));
      });
    });
  }

  it('leaves attention over a computed prefix (a trained prefix, differentiated) concatenated', () => {
    const prefix = Tensor.param(Parameter.fromValues([B, HKV, S, D], Array.from({ length: B * HKV * S * D }, (_, i) => i / 100)));
    const { outputs } = step(1, { k: prefix, v: prefix }, null);
    const [attention] = rewriteFedCache([outputs[0].node]);
    expect(new Graph([attention]).nodes.map((n) => n.op)).toContain('concat');
    expect(attention).toBe(outputs[0].node);
  });

  it('takes a slice that spans two parts from the concatenation', () => {
    const { outputs } = step(1, fedPast(), null);
    const across = outputs[0].node.inputs[1];
    const [sliced] = rewriteFedCache([new Tensor(across).slice(2, S - 1, S + 1).node]);
    expect(sliced.inputs[0].op).toBe('concat');
  });
});
