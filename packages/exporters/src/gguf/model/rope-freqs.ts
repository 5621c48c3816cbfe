import type { RopeConfig } from '@tunekit/models';

/**
 * Llama 3.1's frequency bands as llama.cpp takes them: a `rope_freqs.weight` tensor of one divisor
 * per rotary frequency (convert_hf_to_gguf's generate_extra_tensors), or null for other scalings.
 */
export function ropeFreqFactors(rope: RopeConfig, headDim: number): Float32Array | null {
  const s = rope.scaling;
  if (s.type !== 'llama3') return null;
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  const out = new Float32Array(headDim / 2);
  for (let i = 0; i < out.length; i++) {
    const freq = 1 / rope.theta ** ((2 * i) / headDim);
    const wavelen = (2 * Math.PI) / freq;
    if (wavelen < highWavelen) out[i] = 1;
    else if (wavelen > lowWavelen) out[i] = s.factor;
    else {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      out[i] = 1 / ((1 - smooth) / s.factor + smooth);
    }
  }
  return out;
}
