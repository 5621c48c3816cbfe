import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Linear, OrtExecutor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { type AdapterHandle, LORA_METHOD } from '@tunekit/peft-lora';
import { Linear4bit, dequantizeModel, loadAnyModel, loadQuantizedModel, quantizeModel, saveInt8Model, saveQuantizedModel } from '@tunekit/qlora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTokenizerFiles } from '../model-loading.js';
import { Workspace, lines, logits, maxAbsDiff, runCli, saveRandomAdapter } from '../testing/cli.test-support.js';

/** The bytes a typed array views (not its whole buffer). */
const bytesOf = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const CASES = [
  { name: '4-bit', folder: 'nf4', bits: 4, describe: '4-bit nf4, double quant, compute float32, skip lm_head' },
  { name: '8-bit', folder: 'int8', bits: 8, describe: '8-bit LLM.int8, threshold 6, skip lm_head' },
] as const;

/** The base as merge must see it: the quantized folder, every quantized layer dequantized to f32, the adapter on top. */
async function dequantizedWithAdapter(base: string, adapter: string): Promise<{ model: CausalLM; handle: AdapterHandle }> {
  const { model } = await loadAnyModel(base);
  dequantizeModel(model);
  return { model, handle: await LORA_METHOD.load(model, adapter, { trainable: false }) };
}

describe('tunekit merge into a quantized base', () => {
  let ws: Workspace;
  const executor = new OrtExecutor();

  beforeAll(async () => {
    ws = await Workspace.create();
    await saveQuantizedModel((await loadModel(ws.model)).model, ws.path('nf4'), { quantType: 'nf4', doubleQuant: true });
    await saveInt8Model((await loadModel(ws.model)).model, ws.path('int8'));
    for (const c of CASES) await copyTokenizerFiles(ws.model, ws.path(c.folder));
    await saveRandomAdapter(ws.model, ws.path('adapter'));
  });
  afterAll(async () => {
    await executor.dispose();
    await ws.remove();
  });

  it.each(CASES)('dequantizes a $name base, merges, and writes a plain checkpoint with base(dequantized) + adapter logits', async (c) => {
    const out = ws.path(`merged-${c.folder}`);
    const run = await runCli(['merge', '--model', ws.path(c.folder), '--adapter', ws.path('adapter'), '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([
      `base: dequantized 14 layers from ${c.bits}-bit to f32 before merging (${c.describe})`,
      `merged ${ws.path('adapter')} into ${ws.path(c.folder)}: wrote ${out} (f32)`,
    ]);
    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    expect(config).not.toHaveProperty('quantization_config');
    expect(config.torch_dtype).toBe('float32');

    const merged = await loadModel(out);
    expect(merged.model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear);
    const expected = await logits((await dequantizedWithAdapter(ws.path(c.folder), ws.path('adapter'))).model, executor);
    expect(maxAbsDiff(await logits(merged.model as CausalLM, executor), expected)).toBeLessThan(1e-5);
    // Not vacuous: the adapter moves the logits far past that, and so does quantization.
    const { model: base } = await loadAnyModel(ws.path(c.folder));
    expect(maxAbsDiff(await logits(base, executor), expected)).toBeGreaterThan(1e-2);
    const fullWithAdapter = (await loadModel(ws.model)).model;
    await LORA_METHOD.load(fullWithAdapter, ws.path('adapter'), { trainable: false });
    expect(maxAbsDiff(await logits(fullWithAdapter as CausalLM, executor), expected)).toBeGreaterThan(1e-4);
  });

  it('stores f16 weights with --dtype f16', async () => {
    const run = await runCli(['merge', '--model', ws.path('nf4'), '--adapter', ws.path('adapter'), '--out', ws.path('merged-f16'), '--dtype', 'f16']);
    expect(run.code).toBe(0);
    const config = JSON.parse(await readFile(ws.path('merged-f16/config.json'), 'utf8'));
    expect(config).toMatchObject({ torch_dtype: 'float16' });
    expect(config).not.toHaveProperty('quantization_config');
    const st = await SafetensorsFile.open(ws.path('merged-f16/model.safetensors'));
    expect(new Set(st.names().map((n) => st.info(n).dtype))).toEqual(new Set(['f16']));
    await st.close();
  });

  it('--quantize re-quantizes the merged weights, warning that this is lossy', async () => {
    const out = ws.path('merged-requantized');
    const run = await runCli(['merge', '--model', ws.path('nf4'), '--adapter', ws.path('adapter'), '--out', out, '--quantize', 'nf4', '--double-quant']);
    expect(run.code).toBe(0);
    expect(lines(run.stderr)).toEqual([
      'warning: re-quantizing merged weights is lossy: rounding them to 4-bit nf4 moves every weight, so the written model is not exactly base + adapter (keep the 16/32-bit merge, or the base and the adapter, for exact outputs)',
    ]);
    expect(lines(run.stdout).at(-1)).toBe(`merged ${ws.path('adapter')} into ${ws.path('nf4')}: wrote ${out} (4-bit nf4, double quant, compute float32, skip lm_head, other weights f32)`);

    // Exactly quantizeModel of the f32 merge.
    const adapted = await logits((await dequantizedWithAdapter(ws.path('nf4'), ws.path('adapter'))).model, executor);
    const { handle } = await dequantizedWithAdapter(ws.path('nf4'), ws.path('adapter'));
    handle.mergeAndUnload();
    quantizeModel(handle.model, { quantType: 'nf4', doubleQuant: true });
    const written = await loadQuantizedModel(out);
    expect(written.model.getModule('model.layers.0.self_attn.q_proj')).toBeInstanceOf(Linear4bit);
    const want = new Map(handle.model.namedParameters());
    for (const [name, p] of written.model.namedParameters()) expect(bytesOf(p.value.data).equals(bytesOf(want.get(name)!.value.data)), name).toBe(true);
    // Lossy indeed: not the merged model's logits.
    expect(maxAbsDiff(await logits(written.model, executor), adapted)).toBeGreaterThan(1e-4);
  });

  it('rejects --double-quant with int8 and a bad --dtype in one line, exit code 2', async () => {
    const [dq, dtype] = await Promise.all([
      runCli(['merge', '--model', ws.path('nf4'), '--adapter', ws.path('adapter'), '--out', ws.path('x'), '--quantize', 'int8', '--double-quant']),
      runCli(['merge', '--model', ws.path('nf4'), '--adapter', ws.path('adapter'), '--out', ws.path('x'), '--dtype', 'f64']),
    ]);
    expect([dq.code, dtype.code]).toEqual([2, 2]);
    expect(lines(dq.stderr)).toEqual(['tunekit merge: --double-quant applies to 4-bit formats (nf4, fp4), not int8']);
    expect(lines(dtype.stderr)).toEqual(['tunekit merge: --dtype must be one of f32, bf16, f16, got "f64"']);
  });
});
