import type { CausalLM, ModelConfig } from '@tunekit/models';
import type { GgufTensorSource } from '../format/gguf.writer.js';
import { encodeTensor } from '../quant/ggml-types.js';
import { GGUF_ARCHS, type GgufArch } from './gguf-arch.table.js';
import { type GgufPreset, tensorType } from './quant-presets.js';
import { ropeFreqFactors } from './rope-freqs.js';
import { permuteHeads, transpose2d } from './tensor-transforms.js';

/** The llama.cpp architecture of a config, or an error naming its model_type. */
export function ggufArchOf(config: ModelConfig): GgufArch {
  const arch = GGUF_ARCHS[config.modelType];
  if (!arch) throw new Error(`model_type "${config.modelType}": GGUF export maps ${Object.keys(GGUF_ARCHS).join(', ')}`);
  return arch;
}

/** A parameter's values in llama.cpp's layout: GPT-2's Conv1D transposed, llama q/k rows permuted. */
export function ggufLayout(values: Float32Array, shape: readonly number[], m: { transpose?: boolean; permuteHeads?: number }): { data: Float32Array; shape: number[] } {
  let data = values;
  let s = [...shape];
  if (m.transpose) {
    data = transpose2d(data, s[0]!, s[1]!);
    s = [s[1]!, s[0]!];
  }
  if (m.permuteHeads) data = permuteHeads(data, s[0]!, s.length > 1 ? s[1]! : 1, m.permuteHeads);
  return { data, shape: s };
}

/**
 * The model's tensors as GGUF tensor sources, each converted and encoded only when the writer asks
 * for it. Every parameter must map to a llama.cpp tensor: one that does not is an error naming it.
 */
export function modelTensors(model: CausalLM, preset: GgufPreset): GgufTensorSource[] {
  const config = model.config;
  const arch = ggufArchOf(config);
  const params = model.namedParameters();
  const mapped = params.map(([hfName, p]) => {
    const m = arch.tensor(hfName, config);
    if (!m) throw new Error(`${hfName}: no llama.cpp ${arch.arch} tensor corresponds to it`);
    const shape = m.transpose ? [p.shape[1]!, p.shape[0]!] : [...p.shape];
    return { m, p, dims: [...shape].reverse() };
  });
  const tiedCopy = config.tieWordEmbeddings && arch.writesTiedOutput ? mapped.find((t) => t.m.name === 'token_embd.weight') : undefined;
  if (tiedCopy) mapped.push({ ...tiedCopy, m: { ...tiedCopy.m, name: 'output.weight' } });
  const hasOutput = mapped.some((t) => t.m.name === 'output.weight');

  const sources: GgufTensorSource[] = mapped.map(({ m, p, dims }) => {
    const isOutput = m.name === 'output.weight' || (!hasOutput && m.name === 'token_embd.weight');
    const type = tensorType(preset, { name: m.name, dims, layer: m.layer, layers: config.layers, isOutput });
    return { name: m.name, dims, type, encode: () => encodeTensor(type, ggufLayout(p.value.toFloat32(), p.shape, m).data) };
  });
  const freqs = config.rope ? ropeFreqFactors(config.rope, config.headDim) : null;
  if (freqs) sources.push({ name: 'rope_freqs.weight', dims: [freqs.length], type: 'F32', encode: () => encodeTensor('F32', freqs) });
  return sources;
}
