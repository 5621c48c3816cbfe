import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtExecutor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, generate, loadModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { Linear4bit, loadQuantizedModel } from '@tunekit/qlora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, logits, maxAbsDiff, runCli, yesRecords } from '../testing/cli.test-support.js';

/** QLoRA as the paper runs it: NF4 with double quantization, LoRA on top. */
const CONFIG = `
model: model
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
quantization:
  load_in_4bit: true
  bnb_4bit_quant_type: nf4
  bnb_4bit_use_double_quant: true
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: qlora-out
  max_steps: 4
  per_device_train_batch_size: 4
  learning_rate: 3.0e-2
  lr_scheduler_type: constant
  logging_steps: 1
  save_strategy: "no"
`;

describe('tunekit train with a quantization section (QLoRA)', () => {
  let ws: Workspace;
  let train: Awaited<ReturnType<typeof runCli>>;
  const out = () => ws.path('qlora-out');
  const nf4 = () => ws.path('nf4');

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(16));
    await ws.write('run.yaml', CONFIG);
    // The same base stored quantized: `tunekit quantize` makes bit for bit the layers the run quantizes while loading.
    const quantize = await runCli(['quantize', '--model', ws.model, '--out', nf4(), '--double-quant']);
    expect(quantize.code).toBe(0);
    train = await runCli(['train', ws.path('run.yaml')]);
  });
  afterAll(() => ws.remove());

  it('quantizes the base while loading, trains only LoRA on it, and saves a PEFT adapter', async () => {
    expect(train.stderr).not.toMatch(/\n\s+at /);
    expect(train.code).toBe(0);
    expect(lines(train.stdout)[0]).toBe(`model: ${ws.model} (llama, f32, 4-bit nf4, double quant, compute float32, skip lm_head, 14 layers quantized while loading)`);
    const config = JSON.parse(await readFile(join(out(), 'adapter_config.json'), 'utf8'));
    expect(config).toMatchObject({ peft_type: 'LORA', r: 4, target_modules: ['q_proj', 'v_proj'], base_model_name_or_path: ws.model });
    const st = await SafetensorsFile.open(join(out(), 'adapter_model.safetensors'));
    try {
      expect(st.names().sort()).toEqual(
        [0, 1].flatMap((l) => ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((ab) => `base_model.model.model.layers.${l}.self_attn.${m}.lora_${ab}.weight`))).sort(),
      );
      // B starts at zero: trained means it moved.
      const b = (await st.read('base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight')).toFloat32();
      expect(b.some((v) => v !== 0)).toBe(true);
    } finally {
      await st.close();
    }
    const losses = (await readFile(join(out(), 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { loss?: number }).filter((m) => m.loss !== undefined).map((m) => m.loss!);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('--dry-run reports the quantization', async () => {
    const plan = await runCli(['train', ws.path('run.yaml'), '--dry-run']);
    expect(plan.code).toBe(0);
    expect(lines(plan.stdout)).toContain('quantized  4-bit nf4, double quant, compute float32, skip lm_head (while loading; lora trains on top)');
  });

  it('generate --adapter gives the adapted 4-bit model\'s tokens, on the quantize folder or the full model quantized on load', async () => {
    const ids = [5, 17, 42, 8];
    const args = ['--input-ids', ids.join(','), '--max-new-tokens', '6', '--temperature', '0', '--json', '--adapter', out()];
    const [stored, onLoad] = await Promise.all([
      runCli(['generate', '--model', nf4(), ...args]),
      runCli(['generate', '--model', ws.model, '--quantize', 'nf4', '--double-quant', ...args]),
    ]);
    for (const run of [stored, onLoad]) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const executor = new OrtExecutor();
    try {
      const ref = await loadQuantizedModel(nf4());
      expect(ref.model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear4bit);
      await LORA_METHOD.load(ref.model, out(), { trainable: false });
      const { generationConfig } = await loadModel(ws.model);
      const expected = await generate(ref.model, executor, [ids], { maxNewTokens: 6, doSample: false, generationConfig });
      expect(JSON.parse(stored.stdout).output_ids).toEqual(expected.outputIds[0]);
      expect(JSON.parse(onLoad.stdout).output_ids).toEqual(expected.outputIds[0]);
      // The adapter on the full-precision base computes something else: the 4-bit base was used.
      const full = await loadModel(ws.model);
      await LORA_METHOD.load(full.model, out(), { trainable: false });
      expect(maxAbsDiff(await logits(full.model as CausalLM, executor), await logits(ref.model, executor))).toBeGreaterThan(1e-3);
    } finally {
      await executor.dispose();
    }
  });

  it('eval --adapter scores the same on both 4-bit bases, lower than the 4-bit base alone', async () => {
    const evalJson = async (...extra: string[]) => {
      const run = await runCli(['eval', '--data', ws.path('train.jsonl'), '--json', ...extra]);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as { eval_loss: number };
    };
    const [base, stored, onLoad] = await Promise.all([
      evalJson('--model', nf4()),
      evalJson('--model', nf4(), '--adapter', out()),
      evalJson('--model', ws.model, '--quantize', 'nf4', '--double-quant', '--adapter', out()),
    ]);
    expect(onLoad.eval_loss).toBe(stored.eval_loss);
    expect(stored.eval_loss).toBeLessThan(base.eval_loss - 1e-2);
  });

  it('trains on a pre-quantized folder as stored, and refuses full fine-tuning of one', async () => {
    const [lora, full] = await Promise.all([
      runCli(['train', ws.path('run.yaml'), '--set', 'model=nf4', '--set', 'quantization=null', '--set', 'training.max_steps=1', '--set', 'training.output_dir=stored-out']),
      runCli(['train', ws.path('run.yaml'), '--set', 'model=nf4', '--set', 'quantization=null', '--set', 'method=full', '--set', 'lora=null', '--set', 'training.output_dir=full-out']),
    ]);
    expect(lora.stderr).not.toMatch(/\n\s+at /);
    expect(lora.code).toBe(0);
    expect(lines(lora.stdout)[0]).toBe(`model: ${nf4()} (llama, f32, 4-bit nf4, double quant, compute float32, skip lm_head, 14 layers as stored)`);
    expect(full.code).toBe(2);
    expect(lines(full.stderr)).toEqual([
      `tunekit train: ${nf4()} is a quantized checkpoint (4-bit nf4, double quant, compute float32, skip lm_head): full fine-tuning cannot train quantized weights; use a PEFT method such as method: lora (QLoRA), or train the full-precision model`,
    ]);
  });
});
