import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OrtExecutor, SafetensorsFile } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, logits, maxAbsDiff, runCli, saveRandomAdapter } from '../testing/cli.test-support.js';

describe('tunekit merge', () => {
  let ws: Workspace;
  const executor = new OrtExecutor();

  beforeAll(async () => {
    ws = await Workspace.create();
    await writeFile(join(ws.model, 'chat_template.jinja'), '{{ messages[0].content }}');
    await saveRandomAdapter(ws.model, ws.path('adapter'));
  });
  afterAll(() => ws.remove());

  it('writes a Hugging Face checkpoint whose logits match the base model with the adapter', async () => {
    const run = await runCli(['merge', '--model', ws.model, '--adapter', ws.path('adapter'), '--out', ws.path('merged')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await readdir(ws.path('merged'))).sort()).toEqual(['chat_template.jinja', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);

    const adapted = await loadModel(ws.model);
    await LORA_METHOD.load(adapted.model, ws.path('adapter'), { trainable: false });
    const base = await loadModel(ws.model);
    const merged = await loadModel(ws.path('merged'));
    const expected = await logits(adapted.model as CausalLM, executor);
    expect(maxAbsDiff(await logits(merged.model as CausalLM, executor), expected)).toBeLessThan(1e-4);
    // Not vacuous: the adapter moves the logits well past that tolerance.
    expect(maxAbsDiff(await logits(base.model as CausalLM, executor), expected)).toBeGreaterThan(1e-2);
    // A plain checkpoint: no LoRA tensors left, the original parameter names only.
    const st = await SafetensorsFile.open(join(ws.path('merged'), 'model.safetensors'));
    expect(st.names().some((n) => n.includes('lora') || n.includes('base_layer'))).toBe(false);
    await st.close();
  });

  it('stores bf16 weights with --dtype bf16', async () => {
    const run = await runCli(['merge', '--model', ws.model, '--adapter', ws.path('adapter'), '--out', ws.path('merged-bf16'), '--dtype', 'bf16']);
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(ws.path('merged-bf16/config.json'), 'utf8')).torch_dtype).toBe('bfloat16');
    const st = await SafetensorsFile.open(ws.path('merged-bf16/model.safetensors'));
    expect(new Set(st.names().map((n) => st.info(n).dtype))).toEqual(new Set(['bf16']));
    await st.close();
  });

  it('is export --format hf: the same files and weights, and export names its formats', async () => {
    const run = await runCli(['export', '--format', 'hf', '--model', ws.model, '--adapter', ws.path('adapter'), '--out', ws.path('exported')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toEqual([`merged ${ws.path('adapter')} into ${ws.model}: wrote ${ws.path('exported')} (f32)`]);
    expect((await readdir(ws.path('exported'))).sort()).toEqual((await readdir(ws.path('merged'))).sort());
    expect(await readFile(ws.path('exported/model.safetensors'))).toEqual(await readFile(ws.path('merged/model.safetensors')));

    const unknown = await runCli(['export', '--format', 'tflite', '--model', ws.model, '--out', ws.path('x')]);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual(['tunekit export: --format: unknown format "tflite"; choose one of hf, gguf, gguf-lora, onnx']);
    const noAdapter = await runCli(['export', '--format=hf', '--model', ws.model, '--out', ws.path('x')]);
    expect(noAdapter.code).toBe(2);
    expect(lines(noAdapter.stderr)).toEqual(['tunekit export: --adapter is required; usage: tunekit export --format hf --model M --adapter DIR --out DIR']);
    expect(existsSync(ws.path('x'))).toBe(false);
  });

  it('refuses an existing output folder and leaves it as it was', async () => {
    await mkdir(ws.path('taken'));
    await writeFile(ws.path('taken/keep.txt'), 'mine');
    const run = await runCli(['merge', '--model', ws.model, '--adapter', ws.path('adapter'), '--out', ws.path('taken')]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`tunekit merge: ${ws.path('taken')} already exists; choose a new output folder`]);
    expect(await readdir(ws.path('taken'))).toEqual(['keep.txt']);
    // No staging folder left beside it either.
    expect((await readdir(ws.root)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
