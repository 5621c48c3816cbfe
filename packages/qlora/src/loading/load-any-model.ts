/**
 * One entry point for "load this model" wherever a base model is loaded (generate, eval, merge,
 * train), in the order transformers' `from_pretrained` decides it:
 *
 * 1. config.json carries a bitsandbytes `quantization_config`: the checkpoint is pre-quantized and
 *    loads as it is stored (4-bit or LLM.int8). A requested quantization must agree with it;
 *    transformers would warn and use the checkpoint's, but a silent switch of format is worse than
 *    a clear refusal.
 * 2. A quantization was requested: a full-precision checkpoint is quantized while loading.
 * 3. Otherwise the model loads in full precision.
 */
import { type FloatDType, HostTensor, type Module, type Parameter, fromFloat32, isFloat, readJsonObject } from '@tunekit/core';
import { type CausalLM, type LoadedModel, type RawConfig, loadModel } from '@tunekit/models';
import { join } from 'node:path';
import { type BnbConfig, BnbConfigError, describeBnbConfig, parseBnbConfig } from '../config/bnb.config.js';
import { Linear8bit } from '../int8/linear-8bit.js';
import { Linear4bit } from '../layers/linear-4bit.js';
import { loadInt8Model } from '../serialization/bnb-8bit.format.js';
import { loadQuantizedModel } from '../serialization/bnb-4bit.format.js';
import { loadModel4bit } from './load-4bit.js';
import { loadModel8bit } from './load-8bit.js';

export interface LoadAnyModelOptions {
  /** Storage dtype of the parameters that are not quantized (default f32). */
  dtype?: FloatDType;
  /** Quantize a full-precision checkpoint while loading; a pre-quantized one must match it. */
  quantization?: BnbConfig | null;
  /** 4-bit block size when quantizing while loading (not a BitsAndBytesConfig field; default 64). */
  blocksize?: number;
}

export interface LoadedAnyModel extends LoadedModel {
  /** The quantization the model's layers are in, or null for a full-precision model. */
  readonly quantization: BnbConfig | null;
  /** `checkpoint`: stored quantized; `load`: quantized while loading; null: not quantized. */
  readonly quantizedAt: 'checkpoint' | 'load' | null;
  /** Paths of the quantized layers. */
  readonly quantized: readonly string[];
}

type Mode = '4bit' | '8bit';
const modeOf = (c: BnbConfig): Mode => (c.load_in_4bit ? '4bit' : '8bit');

interface ModeLoaders {
  /** Loads a folder stored in this mode. */
  checkpoint(dir: string): Promise<{ model: CausalLM; quantized: string[] }>;
  /** Quantizes a full-precision folder to this mode while loading it. */
  onLoad(dir: string, c: BnbConfig, opts: LoadAnyModelOptions): Promise<LoadedModel & { quantized: readonly string[] }>;
}

const MODES: Record<Mode, ModeLoaders> = {
  '4bit': {
    checkpoint: loadQuantizedModel,
    onLoad: (dir, c, opts) =>
      loadModel4bit(dir, {
        quantType: c.bnb_4bit_quant_type,
        doubleQuant: c.bnb_4bit_use_double_quant,
        blocksize: opts.blocksize,
        skipModules: c.llm_int8_skip_modules ?? undefined,
        dtype: opts.dtype,
      }),
  },
  '8bit': {
    checkpoint: loadInt8Model,
    onLoad: (dir, c, opts) => loadModel8bit(dir, { skipModules: c.llm_int8_skip_modules, threshold: c.llm_int8_threshold, dtype: opts.dtype }),
  },
};

/** The folder's bitsandbytes quantization_config, or null; another quant_method is refused by name. */
export async function storedQuantization(dir: string): Promise<BnbConfig | null> {
  const file = join(dir, 'config.json');
  // An unreadable config.json is loadModel's to report, with its own message.
  const raw = await readJsonObject(file, { optional: true }).catch(() => null);
  const qc = raw?.quantization_config;
  if (qc === undefined || qc === null) return null;
  if (typeof qc !== 'object' || Array.isArray(qc)) throw new BnbConfigError(`${file}: quantization_config`, 'expected an object');
  const method = (qc as Record<string, unknown>).quant_method;
  if (method !== 'bitsandbytes') {
    throw new BnbConfigError(`${file}: quantization_config`, `quant_method ${JSON.stringify(method)} is not supported; TuneKit loads bitsandbytes 4-bit and 8-bit checkpoints`);
  }
  return parseBnbConfig(qc as Record<string, unknown>, `${file}: quantization_config`, { fromFile: true });
}

/** The settings that change what the stored layers are; the rest (compute dtype, threshold) do not. */
const layoutOf = (c: BnbConfig): string => (c.load_in_8bit ? '8-bit LLM.int8' : `4-bit ${c.bnb_4bit_quant_type}${c.bnb_4bit_use_double_quant ? ', double quant' : ''}`);

function quantizedParameters(model: Module): Set<Parameter> {
  const out = new Set<Parameter>();
  for (const [, m] of model.namedModules()) if (m instanceof Linear4bit || m instanceof Linear8bit) for (const p of m.parameters()) out.add(p);
  return out;
}

/** Casts what is not part of a quantized layer (embeddings, norms, the head) to the storage dtype asked for. */
function castUnquantized(model: Module, dtype: FloatDType): void {
  const keep = quantizedParameters(model);
  for (const p of model.parameters()) {
    if (keep.has(p) || !isFloat(p.dtype) || p.dtype === dtype) continue;
    p.assign(new HostTensor(dtype, p.shape, fromFloat32(dtype, p.value.toFloat32())));
  }
}

export async function loadAnyModel(dir: string, opts: LoadAnyModelOptions = {}): Promise<LoadedAnyModel> {
  const stored = await storedQuantization(dir);
  const wanted = opts.quantization ?? null;
  if (stored) {
    if (wanted && layoutOf(wanted) !== layoutOf(stored)) {
      throw new BnbConfigError(join(dir, 'config.json'), `the checkpoint is already quantized (${describeBnbConfig(stored)}); it cannot be loaded as ${layoutOf(wanted)}. Drop the requested quantization, or quantize the full-precision model instead`);
    }
    const { model, quantized } = await MODES[modeOf(stored)].checkpoint(dir);
    if (opts.dtype) castUnquantized(model, opts.dtype);
    const generationConfig = (await readJsonObject(join(dir, 'generation_config.json'), { optional: true })) as RawConfig | null;
    return { model, config: model.config, generationConfig, dir, quantization: stored, quantizedAt: 'checkpoint', quantized };
  }
  if (wanted) {
    const loaded = await MODES[modeOf(wanted)].onLoad(dir, wanted, opts);
    return { ...loaded, quantization: wanted, quantizedAt: 'load' };
  }
  const loaded = await loadModel(dir, { dtype: opts.dtype });
  return { ...loaded, quantization: null, quantizedAt: null, quantized: [] };
}
