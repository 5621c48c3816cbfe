import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtExecutor } from '@tunekit/core';
import { relativeError } from '@tunekit/core/testing';
import { type CausalLM, HfTokenizer, generate, loadModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { dequantizeModel, loadAnyModel, saveQuantizedModel } from '@tunekit/qlora';
import { AutoModelForCausalLM, AutoTokenizer, Tensor as JsTensor, type Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTokenizerFiles } from '../model-loading.js';
import { IDS, Workspace, lines, logits, runCli, saveRandomAdapter } from '../testing/cli.test-support.js';

env.allowRemoteModels = false;

describe('tunekit export --format onnx', () => {
  let ws: Workspace;
  const executor = new OrtExecutor({ threads: 1 });

  beforeAll(async () => {
    ws = await Workspace.create();
    await saveRandomAdapter(ws.model, ws.path('adapter'));
  });
  afterAll(async () => {
    await executor.dispose();
    await ws.remove();
  });

  it('writes the transformers.js / onnxruntime-genai folder with the adapter merged, and transformers.js generates TuneKit’s text', async () => {
    const out = ws.path('onnx-export');
    const run = await runCli(['export', '--format', 'onnx', '--model', ws.model, '--adapter', ws.path('adapter'), '--quantize', 'fp16,q4', '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout).map((l) => l.replace(/[\d.]+ MB/, 'N MB'))).toEqual([
      'onnx/model.onnx: N MB',
      'onnx/model_fp16.onnx: N MB',
      'onnx/model_q4.onnx: N MB',
      `exported ${ws.model} with ${ws.path('adapter')} merged to ${out} (ONNX, KV cache)`,
    ]);
    expect((await readdir(out)).sort()).toEqual(['config.json', 'genai_config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect((await readdir(join(out, 'onnx'))).sort()).toEqual(['model.onnx', 'model.onnx_data', 'model_fp16.onnx', 'model_fp16.onnx_data', 'model_q4.onnx', 'model_q4.onnx_data']);
    const genai = JSON.parse(await readFile(join(out, 'genai_config.json'), 'utf8'));
    expect(genai.model.decoder).toMatchObject({ filename: 'onnx/model_q4.onnx', inputs: { past_key_names: 'past_key_values.%d.key' }, outputs: { present_value_names: 'present.%d.value' } });

    // TuneKit's greedy text with the adapter applied (not merged), against transformers.js on the export.
    const { model } = await loadModel(ws.model);
    await LORA_METHOD.load(model, ws.path('adapter'), { trainable: false });
    const tokenizer = await HfTokenizer.fromDir(ws.model);
    const mine = await generate(model as CausalLM, executor, { texts: ['hello world'] }, { tokenizer, maxNewTokens: 6, eosTokenIds: [], doSample: false });
    const theirTokenizer = await AutoTokenizer.from_pretrained(out, { local_files_only: true });
    const lm = await AutoModelForCausalLM.from_pretrained(out, { local_files_only: true, dtype: 'fp32' });
    try {
      const inputs = theirTokenizer('hello world');
      const ids = (await lm.generate({ ...inputs, max_new_tokens: 6, min_new_tokens: 6, do_sample: false })) as Tensor;
      const prompt = Array.from(inputs.input_ids.data as BigInt64Array, Number);
      expect(Array.from(ids.data as BigInt64Array, Number).slice(prompt.length)).toEqual(mine.outputIds[0]);
    } finally {
      await lm.dispose();
    }
  });

  it('dequantizes a QLoRA (4-bit nf4) base, merges the adapter, and exports base(dequantized) + adapter', async () => {
    await saveQuantizedModel((await loadModel(ws.model)).model, ws.path('nf4'), { quantType: 'nf4', doubleQuant: true });
    await copyTokenizerFiles(ws.model, ws.path('nf4'));
    const out = ws.path('onnx-nf4');
    const run = await runCli(['export', '--format', 'onnx', '--model', ws.path('nf4'), '--adapter', ws.path('adapter'), '--out', out]);
    expect(run.code, run.stderr).toBe(0);
    expect(lines(run.stdout)[0]).toBe('base: dequantized 14 4-bit layers to f32 before merging');
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).not.toHaveProperty('quantization_config');

    const { model } = await loadAnyModel(ws.path('nf4'));
    dequantizeModel(model);
    await LORA_METHOD.load(model, ws.path('adapter'), { trainable: false });
    const want = await logits(model as CausalLM, executor);
    const lm = await AutoModelForCausalLM.from_pretrained(out, { local_files_only: true, dtype: 'fp32' });
    try {
      const input_ids = new JsTensor('int64', IDS.data as BigInt64Array, [...IDS.shape]);
      const attention_mask = new JsTensor('int64', new BigInt64Array(IDS.size).fill(1n), [...IDS.shape]);
      const { logits: got } = (await lm({ input_ids, attention_mask })) as { logits: Tensor };
      expect(relativeError(got.data as Float32Array, want)).toBeLessThanOrEqual(1e-4);
    } finally {
      await lm.dispose();
    }
  });

  it('refuses a bad --quantize before loading anything, and leaves no folder', async () => {
    const run = await runCli(['export', '--format', 'onnx', '--model', ws.model, '--quantize', 'int3', '--out', ws.path('bad')]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--quantize: unknown variant "int3"; choose fp16, q4');
    expect(existsSync(ws.path('bad'))).toBe(false);
  });
});
