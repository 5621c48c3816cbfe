/**
 * 8-bit (LLM.int8, `load_in_8bit`) checkpoints in the serialization transformers reads and writes.
 *
 * Per quantized linear `<name>` (bitsandbytes `Linear8bitLt._save_to_state_dict`, nn/modules.py;
 * transformers `Bnb8BitHfQuantizer` saves the state dict as is):
 *
 * - `<name>.weight`         i8  [out, in]  CB, row-major (also for GPT-2's Conv1D: transposed at quantization)
 * - `<name>.SCB`            f32 [out]      per-row absmax
 * - `<name>.weight_format`  u8  []         0 = "row"; bitsandbytes only loads row-major now
 * - `<name>.bias`           as the model stores it
 *
 * config.json carries `BitsAndBytesConfig(load_in_8bit=True, ...).to_dict()` as `quantization_config`.
 */
import { type DType, HostTensor, Linear, type Module, SafetensorsFile, isFloat, readJsonObject, writeJsonFile, writeSafetensors } from '@tunekit/core';
import { type CausalLM, Conv1D, createModel, parseModelConfig } from '@tunekit/models';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type BnbConfig, BnbConfigError, parseBnbConfig, toBnbConfigDict } from '../config/bnb.config.js';
import { DEFAULT_SKIP_MODULES } from '../config/skip-modules.js';
import { LLM_INT8_DEFAULT_THRESHOLD, Linear8bit } from '../int8/linear-8bit.js';
import { quantizeModel8bit } from '../int8/quantize-model-8bit.js';

export const BNB_8BIT_WEIGHTS_FILE = 'model.safetensors';

/** bitsandbytes' LINEAR_8BIT_WEIGHTS_FORMAT_MAPPING; only "row" is still loadable. */
const WEIGHT_FORMATS: Record<number, string> = { 0: 'row', 1: 'col32', 2: 'col_turing', 3: 'col_ampere' };
const ROW_FORMAT = 0;

/** Thrown for a checkpoint that does not hold a loadable bitsandbytes 8-bit model. */
export class Bnb8bitFormatError extends Error {
  constructor(readonly file: string, readonly tensor: string | null, detail: string) {
    super(`${file}${tensor ? ` (${tensor})` : ''}: ${detail}`);
    this.name = 'Bnb8bitFormatError';
  }
}

export interface SaveInt8Options {
  /** `llm_int8_skip_modules`; default `['lm_head']` (see quantizeModel8bit). */
  skipModules?: readonly string[] | null;
  /** `llm_int8_threshold`; default 6.0, or the layers' own when the model is already quantized. */
  threshold?: number;
}

const TORCH_NAME: Partial<Record<DType, string>> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };

/** Header dtypes (ours, or the safetensors name for those HostTensor cannot hold) by kind. */
const isFloatName = (d: string): boolean => d === 'f32' || d === 'f16' || d === 'bf16';
const isIntName = (d: string): boolean => d === 'u8' || d === 'i8' || d === 'i32' || d === 'i64';

function int8Layers(model: Module): Map<string, Linear8bit> {
  const out = new Map<string, Linear8bit>();
  for (const [path, m] of model.namedModules()) if (m instanceof Linear8bit) out.set(path, m);
  return out;
}

/** The state dict bitsandbytes writes: every parameter, plus a row-major `weight_format` per Linear8bit. */
export function int8StateDict(model: Module): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, p] of model.namedParameters()) out.set(name, p.value);
  for (const path of int8Layers(model).keys()) out.set(`${path}.weight_format`, new HostTensor('u8', [], Uint8Array.of(ROW_FORMAT)));
  return out;
}

/**
 * Quantizes the model's Linears to Linear8bit (unless it already holds some) and writes
 * model.safetensors + config.json with an 8-bit `quantization_config`.
 */
export async function saveInt8Model(model: CausalLM, dir: string, opts: SaveInt8Options = {}): Promise<void> {
  const skip = opts.skipModules ?? DEFAULT_SKIP_MODULES;
  let layers = int8Layers(model);
  if (layers.size === 0) {
    quantizeModel8bit(model, { skipModules: skip, threshold: opts.threshold });
    layers = int8Layers(model);
  }
  const thresholds = new Set([...layers.values()].map((l) => l.threshold));
  if (opts.threshold !== undefined) thresholds.add(opts.threshold);
  if (thresholds.size > 1) throw new Error(`saveInt8Model: the Linear8bit layers and options give several thresholds (${[...thresholds].join(', ')}); quantization_config holds one`);
  const threshold = [...thresholds][0] ?? LLM_INT8_DEFAULT_THRESHOLD;
  const config = parseBnbConfig({ load_in_8bit: true, llm_int8_threshold: threshold, llm_int8_skip_modules: [...skip] });
  // torch_dtype names the unquantized parameters' dtype, as transformers records it.
  const floatDtypes = new Set(model.namedParameters().map(([, p]) => p.dtype).filter(isFloat));
  const dtype = floatDtypes.size === 1 ? (TORCH_NAME[[...floatDtypes][0]!] ?? 'float32') : 'float32';
  await mkdir(dir, { recursive: true });
  const json = { ...model.config.raw, torch_dtype: dtype, quantization_config: toBnbConfigDict(config) };
  await writeJsonFile(join(dir, 'config.json'), json);
  await writeSafetensors(join(dir, BNB_8BIT_WEIGHTS_FILE), int8StateDict(model), { format: 'pt' });
}

/** Loads a folder written by saveInt8Model or by transformers' `save_pretrained` of a load_in_8bit model (one file). */
export async function loadInt8Model(dir: string): Promise<{ model: CausalLM; quantizationConfig: BnbConfig; quantized: string[] }> {
  const configPath = join(dir, 'config.json');
  const raw = await readJsonObject(configPath);
  const qc = raw.quantization_config;
  if (typeof qc !== 'object' || qc === null || Array.isArray(qc)) {
    throw new Bnb8bitFormatError(configPath, null, 'a quantization_config object with load_in_8bit true is required');
  }
  let config: BnbConfig;
  try {
    config = parseBnbConfig(qc as Record<string, unknown>, 'quantization_config', { fromFile: true });
  } catch (e) {
    if (e instanceof BnbConfigError) throw new Bnb8bitFormatError(configPath, null, e.message);
    throw e;
  }
  if (!config.load_in_8bit) throw new Bnb8bitFormatError(configPath, null, 'quantization_config is 4-bit (load_in_4bit); load it with loadQuantizedModel');
  const model = createModel(parseModelConfig(raw, configPath), { empty: true });
  const path = join(dir, BNB_8BIT_WEIGHTS_FILE);
  const file = await SafetensorsFile.open(path);
  const quantized: string[] = [];
  try {
    const used = new Set<string>();
    const fail = (tensor: string, detail: string) => new Bnb8bitFormatError(path, tensor, detail);
    const need = async (key: string, dtype: DType, shape: readonly number[]): Promise<HostTensor> => {
      if (!file.has(key)) throw fail(key, 'missing tensor');
      const info = file.info(key);
      if (info.dtype !== dtype) throw fail(key, `expected dtype ${dtype}, found ${info.dtype}`);
      if (info.shape.join(',') !== shape.join(',')) throw fail(key, `expected shape [${shape.join(', ')}], found [${info.shape.join(', ')}]`);
      used.add(key);
      return file.read(key);
    };
    for (const key of file.names()) {
      if (key.endsWith('.weight') && file.info(key).dtype === 'i8' && !file.has(`${key.slice(0, -'.weight'.length)}.SCB`)) {
        throw fail(`${key.slice(0, -'.weight'.length)}.SCB`, `missing tensor: the int8 weight ${key} needs its SCB row scales`);
      }
    }
    for (const key of file.names()) {
      if (!key.endsWith('.SCB')) continue;
      const layerPath = key.slice(0, -'.SCB'.length);
      const layer = model.getModule(layerPath);
      if (!(layer instanceof Linear || layer instanceof Conv1D)) throw fail(key, `model has no Linear at "${layerPath}"`);
      const { inFeatures, outFeatures } = layer;
      const CB = (await need(`${layerPath}.weight`, 'i8', [outFeatures, inFeatures])).data as Int8Array;
      const SCB = (await need(key, 'f32', [outFeatures])).data as Float32Array;
      const bad = SCB.findIndex((s) => !(s >= 0) || !Number.isFinite(s));
      if (bad >= 0) throw fail(key, `row ${bad} has scale ${SCB[bad]}; SCB holds row absmax values (finite, >= 0)`);
      await checkWeightFormat(file, `${layerPath}.weight_format`, fail, used);
      let bias: Float32Array | null = null;
      if (layer.bias) {
        const b = `${layerPath}.bias`;
        if (!file.has(b)) throw fail(b, 'missing tensor');
        const info = file.info(b);
        if (!isFloatName(info.dtype) || info.shape.join(',') !== String(outFeatures)) throw fail(b, `expected a float [${outFeatures}] bias, found ${info.dtype} [${info.shape.join(', ')}]`);
        bias = (await file.read(b, { into: 'f32' })).data as Float32Array;
        used.add(b);
      }
      const cut = layerPath.lastIndexOf('.');
      const parent = cut < 0 ? model : model.getModule(layerPath.slice(0, cut))!;
      parent.replaceModule(layerPath.slice(cut + 1), new Linear8bit(inFeatures, outFeatures, { CB, SCB, bias, threshold: config.llm_int8_threshold, conv1d: layer instanceof Conv1D }));
      quantized.push(layerPath);
    }
    model.nameParameters();
    for (const [name, p] of model.namedParameters()) {
      if (used.has(name)) continue;
      if (!file.has(name)) throw fail(name, 'missing tensor');
      const info = file.info(name);
      if (!isFloatName(info.dtype) || !isFloat(p.dtype)) throw fail(name, `expected a float tensor for ${p.dtype} parameter, found ${info.dtype}`);
      p.assign(await file.read(name, { into: p.dtype }));
      used.add(name);
    }
    const unexpected = file.names().filter((k) => !used.has(k));
    if (unexpected.length) throw fail(unexpected[0]!, `unexpected tensor${unexpected.length > 1 ? ` (and ${unexpected.length - 1} more)` : ''}`);
  } finally {
    await file.close();
  }
  return { model, quantizationConfig: config, quantized };
}

/** Optional `weight_format`: an integer scalar that must say row-major (bitsandbytes `maybe_rearrange_weight`). */
async function checkWeightFormat(
  file: SafetensorsFile,
  key: string,
  fail: (tensor: string, detail: string) => Bnb8bitFormatError,
  used: Set<string>,
): Promise<void> {
  if (!file.has(key)) return; // absent means "row", as bitsandbytes defaults it
  const info = file.info(key);
  const t = info.shape.reduce((n, d) => n * d, 1) === 1 && isIntName(info.dtype) ? await file.read(key) : null;
  if (!t) throw fail(key, `expected an integer scalar, found ${info.dtype} [${info.shape.join(', ')}]`);
  const format = Number(t.data[0]);
  if (format !== ROW_FORMAT) {
    const name = WEIGHT_FORMATS[format];
    throw fail(key, `weight format ${format}${name ? ` ("${name}", a tiled GPU layout)` : ''} is not supported; only row-major ("row", 0) int8 weights load`);
  }
  used.add(key);
}
