import { F, HostTensor, Tensor } from '@tunekit/core';
import { type RopeConfig, type RopeScaling, type RopeScalingType, rotaryDims } from '../config/rope-scaling.js';

type ScalingRule<K extends RopeScalingType> = (invFreq: number[], s: Extract<RopeScaling, { type: K }>) => number[];

/** transformers' `ROPE_INIT_FUNCTIONS`, one rule per scaling type, applied to the default frequencies. */
const SCALING_RULES: { readonly [K in RopeScalingType]: ScalingRule<K> } = {
  default: (inv) => inv,
  linear: (inv, s) => inv.map((f) => f / s.factor),
  // `_compute_llama3_parameters`: long wavelengths are slowed by `factor`, short ones kept, and
  // the band between is interpolated smoothly.
  llama3: (inv, s) => {
    const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
    const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
    return inv.map((f) => {
      const wavelen = (2 * Math.PI) / f;
      if (wavelen < highFreqWavelen) return f;
      if (wavelen > lowFreqWavelen) return f / s.factor;
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      return (1 - smooth) * (f / s.factor) + smooth * f;
    });
  },
};

/**
 * Inverse frequencies [d / 2]: theta^(-2i/d) over the d rotary dims of a head (all of it unless
 * the rotation is partial), rescaled by the config's rule. Each step is rounded to f32 where
 * transformers computes in f32, so the angles match its bit for bit in the common (default) case.
 */
export function ropeInverseFrequencies(rope: RopeConfig, headDim: number): Float32Array {
  const d = rotaryDims(rope, headDim);
  const inv = Array.from({ length: d / 2 }, (_, i) => Math.fround(1 / Math.fround(rope.theta ** Math.fround((2 * i) / d))));
  const rule = SCALING_RULES[rope.scaling.type] as ScalingRule<typeof rope.scaling.type>;
  return Float32Array.from(rule(inv, rope.scaling as never));
}

export interface RotaryTables {
  /** [B, 1, T, d] for the d rotary dims, broadcast over heads. */
  readonly cos: Tensor;
  readonly sin: Tensor;
}

/**
 * cos/sin for arbitrary positions, computed in the graph from i64 `positionIds` [B, T] so left
 * padding and packed documents (positions restarting at 0) need no new constants. The frequencies
 * are duplicated to the full head dim on the host (rotate-half layout), which saves a concat.
 */
export function rotaryTables(positionIds: Tensor, invFreq: Float32Array): RotaryTables {
  const half = invFreq.length;
  const full = new Float32Array(2 * half);
  full.set(invFreq, 0);
  full.set(invFreq, half);
  const angles = positionIds.float().unsqueeze(-1).mul(Tensor.constant(HostTensor.f32([2 * half], full)));
  return { cos: angles.cos().unsqueeze(1), sin: angles.sin().unsqueeze(1) };
}

/**
 * Rotates the leading dims of each head that the tables cover ([B, H, T, D]); with partial rotary
 * (GPT-NeoX, some Phi-3) the remaining dims pass through unchanged, as in transformers.
 */
export function applyRotary(x: Tensor, rope: RotaryTables): Tensor {
  const d = rope.cos.dim(-1);
  if (d === x.dim(-1)) return F.rotary(x, rope.cos, rope.sin);
  const [rot, pass] = x.split([d, x.dim(-1) - d], -1);
  return Tensor.concat([F.rotary(rot, rope.cos, rope.sin), pass], -1);
}
