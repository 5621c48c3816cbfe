import { join } from 'node:path';
import { readJsonObject, readSafetensors } from '@tunekit/core';
import type { ModelConfig } from '@tunekit/models';
import { writeGguf, type GgufTensorSource } from '../format/gguf.writer.js';
import { f32, str } from '../format/gguf-value.js';
import { encodeTensor } from '../quant/ggml-types.js';
import { ggufArchOf, ggufLayout } from '../model/gguf-tensors.js';

/** PEFT config fields whose effect llama.cpp's adapter loader has no way to express. */
const UNSUPPORTED: readonly [string, (v: unknown) => boolean][] = [
  ['use_dora', (v) => v === true],
  ['rank_pattern', (v) => typeof v === 'object' && v !== null && Object.keys(v).length > 0],
  ['alpha_pattern', (v) => typeof v === 'object' && v !== null && Object.keys(v).length > 0],
  ['modules_to_save', (v) => Array.isArray(v) && v.length > 0],
  ['lora_bias', (v) => v === true],
  ['bias', (v) => v !== undefined && v !== 'none'],
];

const PREFIX = 'base_model.model.';

/**
 * A PEFT LoRA adapter as llama.cpp's adapter GGUF (`--lora`): `blk.N.<tensor>.weight.lora_a` [in, r]
 * and `.lora_b` [r, out] in f32, `adapter.lora.alpha` so that llama.cpp's alpha/r is PEFT's scale.
 * lora_B rows of q/k are permuted as the base weight's are.
 */
export async function exportGgufLora(adapterDir: string, config: ModelConfig, path: string, name: string): Promise<{ tensors: number }> {
  const cfgFile = join(adapterDir, 'adapter_config.json');
  const cfg = await readJsonObject(cfgFile);
  if (cfg.peft_type !== 'LORA') throw new Error(`${cfgFile}: peft_type ${JSON.stringify(cfg.peft_type)}: gguf-lora writes LoRA adapters`);
  for (const [field, bad] of UNSUPPORTED) if (bad(cfg[field])) throw new Error(`${cfgFile}: ${field} ${JSON.stringify(cfg[field])} cannot be expressed in a llama.cpp adapter`);
  const r = cfg.r as number;
  // llama.cpp scales by alpha/r; rsLoRA scales by alpha/√r, which alpha·√r over r gives.
  const alpha = (cfg.lora_alpha as number) * (cfg.use_rslora === true ? Math.sqrt(r) : 1);
  const arch = ggufArchOf(config);
  const weights = await readSafetensors(join(adapterDir, 'adapter_model.safetensors'));
  const tensors: GgufTensorSource[] = [];
  for (const [key, t] of weights) {
    const m = /^(.*)\.lora_([AB])(?:\.[^.]+)?\.weight$/.exec(key);
    if (!m || !key.startsWith(PREFIX)) throw new Error(`${adapterDir}: tensor ${key} is not a LoRA A/B weight`);
    const base = `${m[1]!.slice(PREFIX.length)}.weight`;
    const mappings = arch.tensors(base, config);
    if (!mappings) throw new Error(`${key}: adapts ${base}, which has no llama.cpp ${arch.arch} tensor`);
    const [mapping] = mappings;
    // A fused tensor split in two, or values shifted, have no llama.cpp adapter form.
    if (mappings.length !== 1 || mapping!.rows || mapping!.offset) throw new Error(`${key}: adapts ${base}, which llama.cpp stores split or offset; not exported as a llama.cpp adapter`);
    const isB = m[2] === 'B';
    // A is [r, in] and B [out, r] for Linear and GPT-2's Conv1D alike; only B's rows follow the base's row reordering.
    const layout = { name: mapping!.name, ...(isB ? { permuteHeads: mapping!.permuteHeads, neoxQkvHeads: mapping!.neoxQkvHeads } : {}) };
    tensors.push({
      name: `${mapping!.name}.lora_${isB ? 'b' : 'a'}`,
      dims: [...t.shape].reverse(),
      type: 'F32',
      encode: () => encodeTensor('F32', ggufLayout(t.toFloat32(), t.shape, layout).data),
    });
  }
  const metadata = new Map([
    ['general.architecture', str(arch.arch)],
    ['general.type', str('adapter')],
    ['general.name', str(name)],
    ['adapter.type', str('lora')],
    ['adapter.lora.alpha', f32(alpha)],
  ]);
  await writeGguf(path, { metadata, tensors });
  return { tensors: tensors.length };
}
