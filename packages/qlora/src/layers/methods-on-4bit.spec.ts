import { afterAll, describe, expect, it } from 'vitest';
import { AdamW, HostTensor, type Module, OrtExecutor, Tensor, TrainStep } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { ADAPTER_METHOD, IA3_METHOD, LORA_METHOD, PREFIX_TUNING_METHOD, PROMPT_TUNING_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { Linear4bit, quantizeModel } from './linear-4bit.js';

interface MethodCase {
  readonly name: string;
  readonly method: PeftMethod;
  readonly options: Record<string, unknown>;
  readonly lr: number;
  /** The parameter names the method adds (and trains). */
  readonly owns: RegExp;
}

// Rates high enough to move a small random model in 20 steps; soft prompts need more tokens or a larger rate than weights do.
const CASES: readonly MethodCase[] = [
  { name: 'LoRA', method: LORA_METHOD, options: { r: 8, lora_alpha: 16, target_modules: 'all-linear' }, lr: 1e-2, owns: /\.lora_[AB]\./ },
  { name: 'DoRA', method: LORA_METHOD, options: { r: 8, lora_alpha: 16, target_modules: 'all-linear', use_dora: true }, lr: 1e-2, owns: /\.lora_(A|B|magnitude_vector)\./ },
  { name: '(IA)³', method: IA3_METHOD, options: {}, lr: 1e-1, owns: /\.ia3_l\./ },
  { name: 'bottleneck adapter (houlsby)', method: ADAPTER_METHOD, options: { config: 'houlsby', bottleneck_size: 16 }, lr: 1e-2, owns: /\.adapter_(down|up)\./ },
  { name: 'prompt tuning', method: PROMPT_TUNING_METHOD, options: { num_virtual_tokens: 16 }, lr: 1e-1, owns: /^prompt_encoder\./ },
  { name: 'prefix tuning', method: PREFIX_TUNING_METHOD, options: { num_virtual_tokens: 8 }, lr: 5e-2, owns: /^prompt_encoder\./ },
];

const ort = new OrtExecutor();
afterAll(() => ort.dispose());
const IDS = HostTensor.i64([2, 8], [5, 9, 2, 77, 120, 8, 1, 3, 1, 40, 3, 299, 6, 12, 90, 4]);
const STEPS = 20;

function nf4Model(): CausalLM {
  const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })), { seed: 2 });
  quantizeModel(model, { quantType: 'nf4', blocksize: 64, doubleQuant: true });
  return model;
}

/** Every parameter's bytes by name, to compare before and after training. */
function snapshot(model: Module): Map<string, Uint8Array> {
  return new Map(model.namedParameters().map(([name, p]) => {
    const { buffer, byteOffset, byteLength } = p.value.data;
    return [name, new Uint8Array(buffer, byteOffset, byteLength).slice()];
  }));
}

const linear4bitCount = (model: Module) => [...model.namedModules()].filter(([, m]) => m instanceof Linear4bit).length;

async function train(model: CausalLM, lr: number): Promise<number[]> {
  const params = model.trainableParameters();
  const step = new TrainStep(ort, params);
  const opt = new AdamW(params, { lr, weightDecay: 0 });
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const { loss } = await step.run(() => {
      const ids = Tensor.input('ids', [2, 8], 'i64');
      return model.loss(ids, ids);
    }, { ids: IDS });
    losses.push(loss);
    opt.step();
    opt.zeroGrad();
  }
  return losses;
}

/**
 * Every method that leaves the base weights alone trains on an NF4 double-quantized base: it wraps
 * or feeds the Linear4bit layers, only its own parameters train, and the 4-bit weights (codes,
 * absmax, double-quant state) and the other base weights stay bit for bit.
 */
describe.each(CASES)('$name on an NF4 double-quantized base', (c) => {
  it('trains only its own parameters: the loss falls and the 4-bit base stays bit for bit', async () => {
    const model = nf4Model();
    const quantizedLayers = linear4bitCount(model);
    expect(quantizedLayers).toBe(14); // 2 layers × (q, k, v, o, gate, up, down)
    c.method.apply(model, c.method.parseConfig(c.options), { seed: 3 });
    model.nameParameters();

    const trainable = model.namedParameters().filter(([, p]) => p.requiresGrad).map(([name]) => name);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.filter((name) => !c.owns.test(name))).toEqual([]);
    const before = snapshot(model);

    const losses = await train(model, c.lr);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.8);

    expect(linear4bitCount(model)).toBe(quantizedLayers);
    const after = snapshot(model);
    const changed = [...before].filter(([name, bytes]) => !Buffer.from(bytes).equals(Buffer.from(after.get(name)!))).map(([name]) => name);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.filter((name) => !trainable.includes(name))).toEqual([]);
  });
});
