import { join } from 'node:path';
import { AdamW, OrtExecutor, Tensor, TrainStep } from '@tunekit/core';
import { relativeError } from '@tunekit/core/testing';
import { type LoadedModel, generate, loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardLogits, greedyByRecomputing, i64Rows, tempDir } from '../testing/causal-lm.test-support.js';
import { parseLoraConfig } from './lora.config.js';
import { loadAdapter, saveAdapter } from './lora.io.js';
import { LoraModel } from './lora.model.js';
import { DEFAULT_LORA_TARGETS } from './lora.targets.js';

const GOLDEN = new URL('../../../../../shared/fixtures/golden-transformers/', import.meta.url).pathname;

interface ArchRow {
  readonly name: string;
  readonly dir: string;
  /** LoRA options beyond the defaults, e.g. target_modules where PEFT has no default for the model type. */
  readonly lora: Record<string, unknown>;
  /** AdamW's learning rate for the training check (default 1e-2). */
  readonly lr: number;
}

const row = (name: string, folder: 'archs' | 'archs_extra' = 'archs', lora: Record<string, unknown> = {}, lr = 1e-2): ArchRow => ({
  name,
  dir: join(GOLDEN, folder, name, 'model'),
  lora,
  lr,
});

/**
 * One row per architecture: a golden-transformers checkpoint, adapted with PEFT's default targets
 * for its model_type. Adding an architecture is one line: `row('gemma2', 'archs_extra')`, or with
 * `{ target_modules: [...] }` as third argument where PEFT has no default (phi3, qwen3_moe, ...).
 */
const ARCHITECTURES: readonly ArchRow[] = [
  row('llama'),
  row('llama_tied_bf16_sharded'),
  row('mistral'),
  row('qwen2'),
  row('qwen3'),
  row('gpt2'),
  row('mixtral', 'archs_extra'),
  row('qwen3_moe', 'archs_extra', { target_modules: ['q_proj', 'v_proj'] }),
  row('gemma', 'archs_extra'),
  row('gemma2', 'archs_extra'),
  row('gemma3_text', 'archs_extra'),
  // The fused projections are single Linears, adapted whole as PEFT does.
  row('phi3', 'archs_extra', { target_modules: ['qkv_proj', 'gate_up_proj'] }),
  row('olmo2', 'archs_extra', { target_modules: ['q_proj', 'v_proj'] }),
  row('smollm3', 'archs_extra', { target_modules: ['q_proj', 'v_proj'] }),
  // Granite divides its logits by logits_scaling (8) and scales every branch by residual_multiplier
  // (0.22), so a step of the same size moves its loss far less: it trains at lr 0.1.
  row('granite', 'archs_extra', { target_modules: ['q_proj', 'v_proj'] }, 1e-1),
  row('gpt_neox', 'archs_extra'),
];

/** A fixed batch: two rows of 10 ids spread over the vocabulary; labels are the ids (next-token loss). */
const batch = (vocab: number) => [0, 1].map((r) => Array.from({ length: 10 }, (_, t) => (t * 37 + r * 101 + 5) % vocab));

describe.each(ARCHITECTURES)('LoRA on $name', ({ dir, lora: options, lr }) => {
  let loaded: LoadedModel;
  // The caller's executor: loading a model makes none.
  const executor = new OrtExecutor();
  let lora: LoraModel;
  let rows: number[][];
  beforeAll(async () => {
    loaded = await loadModel(dir);
    rows = batch(loaded.config.vocab);
    lora = LoraModel.inject(loaded.model, parseLoraConfig({ r: 4, lora_alpha: 8, ...options }));
  });
  afterAll(() => executor.dispose());

  it("adapts PEFT's default target modules for the model type", () => {
    const defaults = DEFAULT_LORA_TARGETS[loaded.config.modelType];
    const targets = options.target_modules ?? defaults;
    expect(targets).toBeDefined();
    const adapted = lora.layers().map(([n]) => n.split('.').at(-1));
    expect(new Set(adapted)).toEqual(new Set(targets as string[]));
  });

  it('trains only the adapter: every base weight (experts and routers included) stays frozen', () => {
    const trainable = loaded.model.namedParameters().filter(([, p]) => p.requiresGrad).map(([n]) => n);
    expect(trainable.length).toBeGreaterThan(0);
    expect(trainable.filter((n) => !n.includes('.lora_'))).toEqual([]);
  });

  it('trains: the loss falls over a few AdamW steps on a fixed batch', async () => {
    const params = loaded.model.trainableParameters();
    const step = new TrainStep(executor, params);
    const opt = new AdamW(params, { lr, weightDecay: 0 });
    const losses: number[] = [];
    for (let s = 0; s < 5; s++) {
      const { loss } = await step.run(() => {
        const ids = Tensor.input('ids', [rows.length, rows[0].length], 'i64');
        return loaded.model.loss(ids, ids);
      }, { ids: i64Rows(rows) });
      losses.push(loss);
      opt.step();
      opt.zeroGrad();
    }
    expect(losses.at(-1)!).toBeLessThan(losses[0] * 0.98);
  });

  it('generates with the KV cache the greedy tokens a no-cache forward picks', async () => {
    // 5 + 6 positions run past the sliding windows of mistral (5) and gemma2/3 (4).
    const [length, newTokens] = [5, 6];
    const prompt = rows[0].slice(0, length);
    const result = await generate(loaded.model, executor, [prompt], { maxNewTokens: newTokens, eosTokenIds: [] });
    expect(result.outputIds[0]).toHaveLength(newTokens);
    expect(result.outputIds[0]).toEqual(await greedyByRecomputing(loaded.model, executor, prompt, newTokens));
  });

  it('saves the adapter and reloads it onto a fresh base to identical logits', async () => {
    const adapted = await forwardLogits(loaded.model, executor, rows);
    const saved = join(await tempDir('lora-arch'), 'adapter');
    await saveAdapter(lora, saved);
    const fresh = await loadModel(dir);
    await loadAdapter(fresh.model, saved);
    const reloaded = await forwardLogits(fresh.model, executor, rows);
    expect(relativeError(reloaded.toFloat32(), adapted.toFloat32())).toBe(0);
  });

  it('merges into the base weights to the adapted logits (≤ 1e-5 relative)', async () => {
    const adapted = await forwardLogits(loaded.model, executor, rows);
    const merged = lora.mergeAndUnload();
    expect(merged.namedParameters().some(([n]) => n.includes('lora_'))).toBe(false);
    const after = await forwardLogits(loaded.model, executor, rows);
    expect(relativeError(after.toFloat32(), adapted.toFloat32())).toBeLessThanOrEqual(1e-5);
  });
});
