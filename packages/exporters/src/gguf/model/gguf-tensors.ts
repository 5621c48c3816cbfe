import type { CausalLM, ModelConfig } from '@tunekit/models';
import type { GgufTensorSource } from '../format/gguf.writer.js';
import { encodeTensor } from '../quant/ggml-types.js';
import { GGUF_ARCHS, type GgufArch, type TensorMapping } from './gguf-arch.table.js';
import { type GgufPreset, tensorType } from './quant-presets.js';
import { ropeFreqFactors } from './rope-freqs.js';
import { permuteHeads, regroupQkv, sliceRows, transpose2d } from './tensor-transforms.js';

/** The llama.cpp architecture of a config, or an error naming its model_type. */
export function ggufArchOf(config: ModelConfig): GgufArch {
  const arch = GGUF_ARCHS[config.modelType];
  if (!arch) throw new Error(`model_type "${config.modelType}": GGUF export maps ${Object.keys(GGUF_ARCHS).join(', ')}`);
  return arch;
}

/** The shape a mapping gives a parameter of `shape` (before the transforms' data moves). */
export function ggufShape(shape: readonly number[], m: TensorMapping): number[] {
  let s = m.transpose ? [shape[1]!, shape[0]!] : [...shape];
  if (m.rows) s = [...s.slice(0, -2), s.at(-2)! / m.rows.count, s.at(-1)!];
  return s;
}

/**
 * A parameter's values in llama.cpp's layout: GPT-2's Conv1D transposed, a fused tensor's part cut
 * out, GPT-NeoX's qkv regrouped, llama q/k rows permuted, Gemma's norm offset added.
 */
export function ggufLayout(values: Float32Array, shape: readonly number[], m: TensorMapping): { data: Float32Array; shape: number[] } {
  let data = values;
  let s = [...shape];
  if (m.transpose) {
    data = transpose2d(data, s[0]!, s[1]!);
    s = [s[1]!, s[0]!];
  }
  if (m.rows) ({ data, shape: s } = sliceRows(data, s, m.rows.index, m.rows.count));
  const cols = s.length > 1 ? s.at(-1)! : 1;
  if (m.neoxQkvHeads) data = regroupQkv(data, s[0]!, cols, m.neoxQkvHeads);
  if (m.permuteHeads) data = permuteHeads(data, s[0]!, cols, m.permuteHeads);
  if (m.offset) {
    if (data === values) data = new Float32Array(values);
    for (let i = 0; i < data.length; i++) data[i]! += m.offset;
  }
  return { data, shape: s };
}

/**
 * The model's tensors as GGUF tensor sources, each converted and encoded only when the writer asks
 * for it. Every parameter must map to a llama.cpp tensor: one that does not is an error naming it.
 */
export function modelTensors(model: CausalLM, preset: GgufPreset): GgufTensorSource[] {
  const config = model.config;
  const arch = ggufArchOf(config);
  const mapped = model.namedParameters().flatMap(([hfName, p]) => {
    const ms = arch.tensors(hfName, config);
    if (!ms) throw new Error(`${hfName}: no llama.cpp ${arch.arch} tensor corresponds to it`);
    return ms.map((m) => ({ m, p, dims: ggufShape(p.shape, m).reverse() }));
  });
  const tiedCopy = config.tieWordEmbeddings && arch.writesTiedOutput ? mapped.find((t) => t.m.name === 'token_embd.weight') : undefined;
  if (tiedCopy) mapped.push({ ...tiedCopy, m: { ...tiedCopy.m, name: 'output.weight' } });
  const hasOutput = mapped.some((t) => t.m.name === 'output.weight');

  const sources: GgufTensorSource[] = mapped.map(({ m, p, dims }) => {
    const isOutput = m.name === 'output.weight' || (!hasOutput && m.name === 'token_embd.weight');
    const type = tensorType(preset, { name: m.name, dims, layer: m.layer, layers: config.layers, experts: config.moe?.experts ?? 0, isOutput });
    return { name: m.name, dims, type, encode: () => encodeTensor(type, ggufLayout(p.value.toFloat32(), p.shape, m).data) };
  });
  const freqs = config.rope ? ropeFreqFactors(config.rope, config.headDim) : null;
  if (freqs) sources.push({ name: 'rope_freqs.weight', dims: [freqs.length], type: 'F32', encode: () => encodeTensor('F32', freqs) });
  return sources;
}
