import { AdamW, type Executor, HostTensor, ReferenceExecutor, Rng, Tensor, TrainStep } from '@tunekit/core';
import { createModel, parseModelConfig, type CausalLM } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { openCudaExecutor } from '@tunekit/kernels-cuda';
import { gpuSkipReason } from '@tunekit/kernels-cuda/testing';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * A LoRA run on the GPU equals the same run on the CPU: a small Llama (GQA, RoPE, RMSNorm, SwiGLU,
 * tied head), LoRA r8 on every linear, three AdamW steps; losses and the adapters after the last
 * step against the reference executor, in f32.
 */
const SHAPE = { arch: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 96 } as const;
const [B, T, STEPS] = [2, 16, 3];

function loraModel(): CausalLM {
  const model = createModel(parseModelConfig(tinyConfigJson(SHAPE)), { seed: 7 }) as CausalLM;
  // init_lora_weights false: B starts random too, so the very first gradients reach every matrix.
  LoraModel.inject(model, parseLoraConfig({ r: 8, lora_alpha: 16, lora_dropout: 0, target_modules: 'all-linear', init_lora_weights: false }));
  return model;
}

async function train(executor: Executor): Promise<{ losses: number[]; adapters: Float32Array[] }> {
  const model = loraModel();
  const params = model.trainableParameters();
  const optimizer = new AdamW(params, { lr: 1e-2, weightDecay: 0.01 });
  const step = new TrainStep(executor, params);
  const rng = new Rng(3);
  const ids = HostTensor.i64([B, T], Array.from({ length: B * T }, () => rng.int(SHAPE.vocab)));
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    losses.push((await step.run(() => model.loss(Tensor.input('ids', [B, T], 'i64'), Tensor.input('labels', [B, T], 'i64')), { ids, labels: ids })).loss);
    optimizer.step();
    optimizer.zeroGrad();
  }
  return { losses, adapters: params.map((p) => Float32Array.from(p.value.toFloat32())) };
}

const reason = gpuSkipReason();

describe.skipIf(reason !== null)('LoRA training on the GPU against the CPU (reference executor)', () => {
  const cuda = reason === null ? openCudaExecutor() : (null as unknown as Executor);
  afterAll(() => cuda?.dispose());

  it(`${STEPS} AdamW steps: every loss within 1e-4 and every adapter within 1e-4 of its largest weight`, async () => {
    const [gpu, cpu] = [await train(cuda), await train(new ReferenceExecutor())];
    gpu.losses.forEach((l, s) => expect(Math.abs(l - cpu.losses[s]), `step ${s}: gpu ${l} cpu ${cpu.losses[s]}`).toBeLessThan(1e-4));
    expect(gpu.losses.at(-1)).toBeLessThan(gpu.losses[0]);
    gpu.adapters.forEach((a, k) => {
      const scale = cpu.adapters[k].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      const diff = a.reduce((m, v, i) => Math.max(m, Math.abs(v - cpu.adapters[k][i])), 0);
      expect(diff / scale, `adapter ${k}`).toBeLessThan(1e-4);
    });
  });
});
