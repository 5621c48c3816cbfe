import { existsSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Linear, type Module } from '@tunekit/core';
import { loadModel } from '@tunekit/models';
import {
  Linear4bit,
  Linear8bit,
  loadInt8Model,
  loadQuantizedModel,
  parseBnbConfig,
  quantizeModel,
  quantizeModel8bit,
  saveQuantizedModel,
  toBnbConfigDict,
} from '@tunekit/qlora';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError, UsageError } from '../cli-error.js';
import { Workspace, lines, runCli } from '../testing/cli.test-support.js';
import { QuantizeCommand } from './quantize.command.js';

/** Every parameter of `actual`, byte for byte, is `expected`'s of the same name (and no other names). */
function expectSameParameters(actual: Module, expected: Module): void {
  const want = new Map(expected.namedParameters());
  expect(actual.namedParameters().map(([n]) => n)).toEqual([...want.keys()]);
  for (const [name, p] of actual.namedParameters()) {
    const w = want.get(name)!;
    expect(p.dtype, name).toBe(w.dtype);
    expect(Buffer.from(p.value.data.buffer, p.value.data.byteOffset, p.value.data.byteLength).equals(Buffer.from(w.value.data.buffer, w.value.data.byteOffset, w.value.data.byteLength)), name).toBe(true);
  }
}

const fullParameterCount = async (dir: string) => (await loadModel(dir)).model.parameters().reduce((n, p) => n + p.size, 0);

describe('tunekit quantize', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create();
    await writeFile(join(ws.model, 'chat_template.jinja'), '{{ messages[0].content }}');
  });
  afterAll(() => ws.remove());

  it('writes a 4-bit folder that loads as exactly the layers quantizeModel makes of the full model', async () => {
    const out = ws.path('nf4');
    const run = await runCli(['quantize', '--model', ws.model, '--out', out, '--double-quant', '--blocksize', '128']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['chat_template.jinja', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);

    const loaded = await loadQuantizedModel(out);
    const reference = (await loadModel(ws.model)).model;
    const paths = quantizeModel(reference, { quantType: 'nf4', doubleQuant: true, blocksize: 128 });
    expect([...loaded.quantized].sort()).toEqual([...paths].sort());
    expectSameParameters(loaded.model, reference);
    expect((loaded.model.getModule(paths[0]!) as Linear4bit).quantState).toMatchObject({ quantType: 'nf4', blocksize: 128 });

    const config = JSON.parse(await readFile(join(out, 'config.json'), 'utf8'));
    const original = JSON.parse(await readFile(join(ws.model, 'config.json'), 'utf8'));
    expect(config).toEqual({
      ...original,
      torch_dtype: 'float32',
      quantization_config: toBnbConfigDict(parseBnbConfig({ load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true, llm_int8_skip_modules: ['lm_head'] })),
    });
    expect(await readFile(join(out, 'generation_config.json'), 'utf8')).toBe(await readFile(join(ws.model, 'generation_config.json'), 'utf8'));

    // One summary line: layers, sizes before and after, bytes per parameter.
    const [line] = lines(run.stdout);
    expect(lines(run.stdout)).toHaveLength(1);
    const after = (await stat(join(out, 'model.safetensors'))).size;
    const perParameter = (after / (await fullParameterCount(ws.model))).toFixed(3);
    expect(line).toMatch(new RegExp(`^quantized 14 of 15 linear layers to 4-bit nf4 \\(blocksize 128, double quant\\), 0\\.50\\d bytes per quantized weight; weights [\\d.]+ kB -> [\\d.]+ kB on disk, ${perParameter} bytes per parameter; wrote ${out}$`));
  });

  it('quantizes to fp4, keeps --skip-modules in full precision, and stores them in --dtype', async () => {
    const out = ws.path('fp4');
    const run = await runCli(['quantize', '--model', ws.model, '--out', out, '--quant-type', 'fp4', '--skip-modules', 'lm_head,down_proj', '--dtype', 'bf16']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const loaded = await loadQuantizedModel(out);
    const reference = (await loadModel(ws.model)).model;
    const paths = quantizeModel(reference, { quantType: 'fp4', skipModules: ['lm_head', 'down_proj'] });
    expect([...loaded.quantized].sort()).toEqual([...paths].sort());
    expect(paths.some((p) => p.endsWith('down_proj'))).toBe(false);
    expect(loaded.quantizationConfig).toMatchObject({ bnb_4bit_quant_type: 'fp4', llm_int8_skip_modules: ['lm_head', 'down_proj'] });
    const stored = new Map(loaded.model.namedParameters());
    // bf16 on disk, widened to f32 by the loader: the values are the bf16-rounded ones.
    const down = stored.get('model.layers.0.mlp.down_proj.weight')!.value.toFloat32();
    const full = (reference.getModule('model.layers.0.mlp.down_proj') as Linear).weight.value.toFloat32();
    expect(down.some((v, i) => v !== full[i])).toBe(true);
    expect(down.every((v, i) => Math.abs(v - full[i]!) <= Math.abs(full[i]!) / 128)).toBe(true);
    expect(lines(run.stdout)[0]).toMatch(/^quantized 12 of 15 linear layers to 4-bit fp4 \(blocksize 64\), 0\.563 bytes per quantized weight;/);
  });

  it('writes an LLM.int8 folder with --bits 8 that loads as exactly quantizeModel8bit of the full model', async () => {
    const out = ws.path('int8');
    const run = await runCli(['quantize', '--model', ws.model, '--out', out, '--bits', '8']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const loaded = await loadInt8Model(out);
    const reference = (await loadModel(ws.model)).model;
    const paths = quantizeModel8bit(reference);
    expect(loaded.quantized.sort()).toEqual([...paths].sort());
    expect(loaded.model.getModule(paths[0]!)).toBeInstanceOf(Linear8bit);
    expectSameParameters(loaded.model, reference);
    expect(loaded.quantizationConfig).toMatchObject({ load_in_8bit: true, llm_int8_skip_modules: ['lm_head'] });
    expect(lines(run.stdout)[0]).toMatch(/^quantized 14 of 15 linear layers to 8-bit LLM\.int8, 1\.\d{3} bytes per quantized weight;/);
  });

  it.each([
    [['--bits', '3'], '--bits must be one of 4, 8, got "3"'],
    [['--quant-type', 'nf5'], '--quant-type must be one of nf4, fp4, got "nf5"'],
    [['--blocksize', '100'], '--blocksize must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, got "100"'],
    [['--blocksize', '16'], '--blocksize must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, got "16"'],
    [['--bits', '8', '--double-quant'], '--double-quant applies to 4-bit quantization, not --bits 8'],
    [['--bits', '8', '--blocksize', '64'], '--blocksize applies to 4-bit quantization, not --bits 8'],
    [['--skip-modules', 'lm_head,,o_proj'], '--skip-modules expects comma-separated module names, got "lm_head,,o_proj"'],
    [['--dtype', 'f64'], '--dtype must be one of f32, bf16, f16, got "f64"'],
  ])('rejects %j as a usage error naming the flag, before loading anything', async (flags, message) => {
    const command = new QuantizeCommand();
    const error = await command.run(['--model', ws.path('no-such-model'), '--out', ws.path('bad'), ...flags]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(message);
    expect(existsSync(ws.path('bad'))).toBe(false);
  });

  it('prints a usage error as one line with exit code 2', async () => {
    const run = await runCli(['quantize', '--model', ws.model, '--out', ws.path('bad'), '--blocksize', '100']);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toEqual(['tunekit quantize: --blocksize must be one of 32, 64, 128, 256, 512, 1024, 2048, 4096, got "100"']);
    expect(run.stdout).toBe('');
    const missing = await runCli(['quantize', '--model', ws.model]);
    expect(missing.code).toBe(2);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^tunekit quantize: --out is required; usage: tunekit quantize --model M --out DIR/)]);
  });

  it('refuses an already quantized model and an existing output folder (exit code 1), writing nothing', async () => {
    const pre = ws.path('pre-quantized');
    await saveQuantizedModel((await loadModel(ws.model)).model, pre, { quantType: 'nf4' });
    const command = new QuantizeCommand();
    const twice = await command.run(['--model', pre, '--out', ws.path('twice')]).catch((e: unknown) => e);
    expect(twice).toBeInstanceOf(CliError);
    expect((twice as CliError).exitCode).toBe(1);
    expect((twice as Error).message).toBe(`${pre} is already quantized (4-bit nf4, compute float32, skip lm_head); quantize its full-precision original instead`);
    expect(existsSync(ws.path('twice'))).toBe(false);
    const taken = await command.run(['--model', ws.model, '--out', pre]).catch((e: unknown) => e);
    expect((taken as CliError).exitCode).toBe(1);
    expect((taken as Error).message).toBe(`${pre} already exists; choose a new output folder`);
  });
});
