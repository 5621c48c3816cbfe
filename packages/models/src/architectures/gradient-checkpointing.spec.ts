import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor, OrtExecutor, Tensor, grad, topoSort } from '@tunekit/core';
import { parseModelConfig } from '../config/model-config.js';
import { tinyConfigJson } from '../testing/create-tiny-model.js';
import { createModel } from './create-model.js';

const ort = new OrtExecutor();
afterAll(() => ort.dispose());

describe('gradient checkpointing (setGradientCheckpointing)', () => {
  for (const arch of ['llama', 'gpt2', 'qwen3_moe'] as const) {
    it(`gives the same loss and gradients while recomputing every layer (${arch})`, async () => {
      const config = parseModelConfig(tinyConfigJson({ arch, hidden: 32, intermediate: 64, layers: 3, heads: 4, kvHeads: arch === 'gpt2' ? 4 : 2, vocab: 300, expertIntermediate: 16 }));
      const model = createModel(config, { seed: 3 });
      const params = model.trainableParameters();
      const ids = HostTensor.i64([2, 6], [5, 9, 2, 77, 120, 8, 1, 1, 40, 3, 299, 6]);
      const step = async () => {
        const x = Tensor.input('ids', [2, 6], 'i64');
        const loss = model.loss(x, x);
        const grads = grad(loss, params);
        const nodes = topoSort([loss.node, ...grads.map((g) => g.node)]).length;
        const [l, ...g] = await ort.compile([loss, ...grads]).run({ ids });
        return { loss: l.item(), grads: g.map((t) => t.toFloat32()), nodes };
      };
      const plain = await step();
      model.setGradientCheckpointing(true);
      const ckpt = await step();
      model.setGradientCheckpointing(false);
      expect(ckpt.nodes).toBeGreaterThan(plain.nodes); // the recomputed layers are in the backward graph
      expect(ckpt.loss).toBeCloseTo(plain.loss, 6);
      plain.grads.forEach((g, k) => {
        let worst = 0;
        for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - ckpt.grads[k][i]));
        expect(worst).toBeLessThan(1e-5);
      });
    });
  }
});
