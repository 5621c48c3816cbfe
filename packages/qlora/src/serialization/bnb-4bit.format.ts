/**
 * 4-bit checkpoints in the bitsandbytes serialization that transformers reads and writes.
 *
 * Per quantized linear `<name>` (bitsandbytes `Linear4bit._save_to_state_dict`, nn/modules.py:
 * `destination[prefix + "weight." + k] = v` for `k, v in quant_state.as_dict(packed=True)`):
 *
 * - `<name>.weight`                  u8  [ceil(n/2), 1]   packed codes (Params4bit data)
 * - `<name>.weight.absmax`           f32 [nBlocks]        (u8 [nBlocks] with double quant)
 * - `<name>.weight.quant_map`        f32 [16]             `QuantState.code`
 * - `<name>.weight.nested_absmax`    f32 [ceil(nBlocks/256)]   double quant only
 * - `<name>.weight.nested_quant_map` f32 [256]                 double quant only
 * - `<name>.weight.quant_state.bitsandbytes__<nf4|fp4>`  u8 [len]: UTF-8 `json.dumps` of the
 *   non-tensor fields of `as_dict()`, in its insertion order: quant_type, blocksize, dtype, shape,
 *   then (double quant) nested_blocksize, nested_dtype, nested_offset
 *   (`QuantState.as_dict(packed=True)` + `utils.pack_dict_to_tensor`).
 *
 * config.json carries transformers' `BitsAndBytesConfig.to_dict()` as `quantization_config`.
 */
import { type DType, HostTensor, Linear, SafetensorsFile, clipDetail, jsonSyntaxMessage, showValue, readJsonObject, writeJsonFile, writeSafetensors } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { QuantType4Bit } from '../quant/code-tables.js';
import { Linear4bit, codeTable4bit, quantizeModel } from '../layers/linear-4bit.js';

export const BNB_WEIGHTS_FILE = 'model.safetensors';
const QS_PREFIX = 'quant_state.bitsandbytes__';

export interface SaveQuantizedOptions {
  quantType?: QuantType4Bit;
  doubleQuant?: boolean;
  blocksize?: number;
  /** Modules left unquantized (`llm_int8_skip_modules`); default `['lm_head']`. */
  skipModules?: readonly string[];
}

export interface BnbQuantizationConfig {
  quant_method: 'bitsandbytes';
  _load_in_8bit: false;
  _load_in_4bit: true;
  llm_int8_threshold: number;
  llm_int8_skip_modules: string[] | null;
  llm_int8_enable_fp32_cpu_offload: boolean;
  llm_int8_has_fp16_weight: boolean;
  bnb_4bit_quant_type: QuantType4Bit;
  bnb_4bit_use_double_quant: boolean;
  bnb_4bit_compute_dtype: string;
  bnb_4bit_quant_storage: 'uint8';
  load_in_4bit: true;
  load_in_8bit: false;
}

/** Thrown for a checkpoint that does not hold a loadable bitsandbytes 4-bit model. */
export class Bnb4bitFormatError extends Error {
  constructor(readonly file: string, readonly tensor: string | null, detail: string) {
    // The detail may quote a value from the file: clipped, so a huge one is not echoed whole.
    super(`${file}${tensor ? ` (${tensor})` : ''}: ${clipDetail(detail)}`);
    this.name = 'Bnb4bitFormatError';
  }
}

const TORCH_NAME: Partial<Record<DType, string>> = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };

/** A number as Python's `json.dumps` writes a float (`1.0`, not `1`). */
function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** `json.dumps(non_tensor_dict)` with Python's default separators, key order as `as_dict` builds it. */
export function packQuantStateJson(layer: Linear4bit, dtype = 'float32'): string {
  const s = layer.quantState;
  const parts = [`"quant_type": "${s.quantType}"`, `"blocksize": ${s.blocksize}`, `"dtype": "${dtype}"`, `"shape": [${s.shape.join(', ')}]`];
  if (layer.doubleQuant) {
    parts.push(`"nested_blocksize": ${s.nestedBlocksize}`, `"nested_dtype": "float32"`, `"nested_offset": ${pyFloat(s.offset!)}`);
  }
  return `{${parts.join(', ')}}`;
}

/** The state dict bitsandbytes writes: Linear4bit layers in packed form, other parameters as they are. */
export function quantizedStateDict(model: CausalLM, opts: { dtype?: string } = {}): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const quantized = new Map<string, Linear4bit>();
  for (const [path, m] of model.namedModules()) if (m instanceof Linear4bit) quantized.set(path, m);
  const dtype = opts.dtype ?? 'float32';
  for (const [name, p] of model.namedParameters()) {
    out.set(name, p.value);
    const layerPath = name.endsWith('.weight') ? name.slice(0, -'.weight'.length) : null;
    const layer = layerPath === null ? undefined : quantized.get(layerPath);
    if (!layer) continue;
    const s = layer.quantState;
    out.set(`${name}.quant_map`, HostTensor.f32([16], codeTable4bit(s.quantType)));
    if (layer.doubleQuant) out.set(`${name}.nested_quant_map`, HostTensor.f32([s.nestedQuantMap!.length], Float32Array.from(s.nestedQuantMap!)));
    const json = new TextEncoder().encode(packQuantStateJson(layer, dtype));
    out.set(`${name}.${QS_PREFIX}${s.quantType}`, new HostTensor('u8', [json.length], json));
  }
  return out;
}

/** transformers' `BitsAndBytesConfig(load_in_4bit=True, ...).to_dict()`. */
export function bnbQuantizationConfig(opts: { quantType: QuantType4Bit; doubleQuant: boolean; computeDtype?: string; skipModules?: readonly string[] | null }): BnbQuantizationConfig {
  return {
    quant_method: 'bitsandbytes',
    _load_in_8bit: false,
    _load_in_4bit: true,
    llm_int8_threshold: 6.0,
    llm_int8_skip_modules: opts.skipModules ? [...opts.skipModules] : null,
    llm_int8_enable_fp32_cpu_offload: false,
    llm_int8_has_fp16_weight: false,
    bnb_4bit_quant_type: opts.quantType,
    bnb_4bit_use_double_quant: opts.doubleQuant,
    bnb_4bit_compute_dtype: opts.computeDtype ?? 'float32',
    bnb_4bit_quant_storage: 'uint8',
    load_in_4bit: true,
    load_in_8bit: false,
  };
}

/**
 * Quantizes the model's Linears (unless it already holds Linear4bit layers) and writes
 * model.safetensors + config.json with `quantization_config`.
 */
export async function saveQuantizedModel(model: CausalLM, dir: string, opts: SaveQuantizedOptions = {}): Promise<void> {
  const existing = [...model.namedModules()].map(([, m]) => m).filter((m): m is Linear4bit => m instanceof Linear4bit);
  let quantType = opts.quantType ?? 'nf4';
  let doubleQuant = opts.doubleQuant ?? false;
  if (existing.length === 0) {
    quantizeModel(model, { quantType, doubleQuant, blocksize: opts.blocksize ?? 64, skipModules: opts.skipModules ?? ['lm_head'] });
  } else {
    quantType = existing[0]!.quantState.quantType;
    doubleQuant = existing[0]!.doubleQuant;
    if (existing.some((l) => l.quantState.quantType !== quantType || l.doubleQuant !== doubleQuant)) {
      throw new Error('saveQuantizedModel: Linear4bit layers mix quant types or double quant; quantization_config cannot describe that');
    }
  }
  const floatDtypes = new Set(model.namedParameters().map(([, p]) => p.dtype).filter((d) => d !== 'u8'));
  const dtype = floatDtypes.size === 1 ? (TORCH_NAME[[...floatDtypes][0]!] ?? 'float32') : 'float32';
  await mkdir(dir, { recursive: true });
  const config = {
    ...model.config.raw,
    torch_dtype: dtype,
    quantization_config: bnbQuantizationConfig({ quantType, doubleQuant, skipModules: opts.skipModules ?? ['lm_head'] }),
  };
  await writeJsonFile(join(dir, 'config.json'), config);
  await writeSafetensors(join(dir, BNB_WEIGHTS_FILE), quantizedStateDict(model, { dtype }), { format: 'pt' });
}

function sameValues(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || v === b[i]);
}

/** Loads a folder written by saveQuantizedModel (or transformers' bnb 4-bit `save_pretrained`, single file). */
export async function loadQuantizedModel(dir: string): Promise<{ model: CausalLM; quantizationConfig: BnbQuantizationConfig; quantized: string[] }> {
  const configPath = join(dir, 'config.json');
  const raw = await readJsonObject(configPath);
  const qc = raw.quantization_config as Partial<BnbQuantizationConfig> | undefined;
  if (!qc || qc.quant_method !== 'bitsandbytes' || qc.load_in_4bit !== true) {
    throw new Bnb4bitFormatError(configPath, null, 'quantization_config with quant_method "bitsandbytes" and load_in_4bit true is required');
  }
  // Built empty: the Linears about to be replaced never become resident, the rest is overwritten.
  const model = createModel(parseModelConfig(raw, configPath), { empty: true }) as CausalLM;
  const path = join(dir, BNB_WEIGHTS_FILE);
  const file = await SafetensorsFile.open(path);
  const quantized: string[] = [];
  try {
    const used = new Set<string>();
    const need = async (key: string, dtype: DType, shape?: readonly number[]): Promise<HostTensor> => {
      if (!file.has(key)) throw new Bnb4bitFormatError(path, key, 'missing tensor');
      const t = await file.read(key);
      if (t.dtype !== dtype) throw new Bnb4bitFormatError(path, key, `expected dtype ${dtype}, found ${t.dtype}`);
      if (shape && shape.join(',') !== t.shape.join(',')) throw new Bnb4bitFormatError(path, key, `expected shape [${shape.join(', ')}], found [${t.shape.join(', ')}]`);
      used.add(key);
      return t;
    };
    for (const key of file.names()) {
      const m = /^(.*)\.weight\.quant_state\.bitsandbytes__(nf4|fp4)$/.exec(key);
      if (!m) {
        if (key.includes('.quant_state.')) throw new Bnb4bitFormatError(path, key, `quant_state key must end in ${QS_PREFIX}nf4 or ${QS_PREFIX}fp4`);
        continue;
      }
      const layerPath = m[1]!;
      const quantType = m[2] as QuantType4Bit;
      const linear = model.getModule(layerPath);
      if (!(linear instanceof Linear)) throw new Bnb4bitFormatError(path, key, `model has no Linear at "${layerPath}"`);
      const w = `${layerPath}.weight`;
      let qs: Record<string, unknown>;
      try {
        qs = JSON.parse(new TextDecoder().decode((await need(key, 'u8')).data as Uint8Array)) as Record<string, unknown>;
      } catch (e) {
        if (e instanceof Bnb4bitFormatError) throw e;
        throw new Bnb4bitFormatError(path, key, `quant_state is not UTF-8 JSON: ${jsonSyntaxMessage(e)}`);
      }
      const bad = (what: string) => new Bnb4bitFormatError(path, key, `quant_state ${what}`);
      if (qs.quant_type !== quantType) throw bad(`quant_type ${showValue(qs.quant_type)} does not match the key's ${quantType}`);
      const shape = qs.shape;
      if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== linear.outFeatures || shape[1] !== linear.inFeatures) {
        throw bad(`shape ${showValue(shape)} does not match the model's [${linear.outFeatures}, ${linear.inFeatures}] for ${layerPath}`);
      }
      const blocksize = qs.blocksize;
      if (typeof blocksize !== 'number') throw bad(`blocksize ${showValue(blocksize)} is not a number`);
      const n = linear.inFeatures * linear.outFeatures;
      const nBlocks = Math.ceil(n / blocksize);
      const packed = await need(w, 'u8', [Math.ceil(n / 2), 1]);
      const quantMap = await need(`${w}.quant_map`, 'f32', [16]);
      if (!sameValues(quantMap.data as Float32Array, codeTable4bit(quantType))) throw new Bnb4bitFormatError(path, `${w}.quant_map`, `is not the ${quantType} code table`);
      const nested = 'nested_offset' in qs || file.has(`${w}.nested_absmax`);
      let absmax: ConstructorParameters<typeof Linear4bit>[2]['absmax'];
      if (nested) {
        const nb = qs.nested_blocksize;
        if (typeof nb !== 'number' || typeof qs.nested_offset !== 'number') throw bad('lacks nested_blocksize / nested_offset though the layer is double-quantized');
        absmax = {
          quantAbsmax: (await need(`${w}.absmax`, 'u8', [nBlocks])).data as Uint8Array,
          nestedAbsmax: (await need(`${w}.nested_absmax`, 'f32', [Math.ceil(nBlocks / nb)])).data as Float32Array,
          nestedQuantMap: (await need(`${w}.nested_quant_map`, 'f32', [256])).data as Float32Array,
          offset: Math.fround(qs.nested_offset),
          nestedBlocksize: nb,
        };
      } else {
        absmax = (await need(`${w}.absmax`, 'f32', [nBlocks])).data as Float32Array;
      }
      let bias: Float32Array | null = null;
      if (linear.bias) bias = (await need(`${layerPath}.bias`, 'f32', [linear.outFeatures])).data as Float32Array;
      let layer: Linear4bit;
      try {
        layer = new Linear4bit(linear.inFeatures, linear.outFeatures, { packed: packed.data as Uint8Array, absmax, quantType, blocksize, bias });
      } catch (e) {
        throw bad(`does not describe the stored tensors: ${(e as Error).message}`);
      }
      const cut = layerPath.lastIndexOf('.');
      const parent = cut < 0 ? model : model.getModule(layerPath.slice(0, cut))!;
      parent.replaceModule(layerPath.slice(cut + 1), layer);
      quantized.push(layerPath);
    }
    model.nameParameters();
    for (const [name, p] of model.namedParameters()) {
      if (used.has(name)) continue;
      if (!file.has(name)) throw new Bnb4bitFormatError(path, name, 'missing tensor');
      p.assign(await file.read(name, { into: p.dtype }));
      used.add(name);
    }
    const unexpected = file.names().filter((k) => !used.has(k));
    if (unexpected.length) throw new Bnb4bitFormatError(path, unexpected[0]!, `unexpected tensor${unexpected.length > 1 ? ` (and ${unexpected.length - 1} more)` : ''}`);
  } finally {
    await file.close();
  }
  return { model, quantizationConfig: qc as BnbQuantizationConfig, quantized };
}
