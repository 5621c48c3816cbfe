import { attentionBwdDeltaSource, attentionBwdDkvSource, attentionBwdDqSource, attentionFwdSource } from './attention.kernel.js';
import { adamwSource } from './adamw.kernel.js';
import { crossEntropyBwdSource, crossEntropyFwdSource, crossEntropyReduceSource } from './cross-entropy.kernel.js';
import { dequant4Source } from './dequant4.kernel.js';
import type { KernelDType } from './kernel-source.js';
import { columnSumSource, layerNormFwdSource, rmsNormBwdSource, rmsNormFwdSource } from './norm.kernel.js';
import { rotarySource } from './rotary.kernel.js';
import { softmaxSource } from './softmax.kernel.js';
import { gluBwdSource, gluFwdSource } from './glu.kernel.js';

export interface KernelSource {
  entry: string;
  source: string;
}

/** bitsandbytes' NF4 table (the levels a 4-bit code indexes), for instantiating the dequant kernel. */
const NF4 = [-1, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1];

/** Every hand-written kernel for one dtype (attention at head size `d`): what the compile checks build. */
export function handWrittenKernels(dtype: KernelDType, d = 64): KernelSource[] {
  return [
    softmaxSource(dtype, false),
    softmaxSource(dtype, true),
    rmsNormFwdSource(dtype),
    rmsNormBwdSource(dtype),
    columnSumSource(dtype),
    layerNormFwdSource(dtype),
    rotarySource(dtype),
    attentionFwdSource(dtype, d),
    attentionBwdDeltaSource(dtype, d),
    attentionBwdDqSource(dtype, d),
    attentionBwdDkvSource(dtype, d),
    crossEntropyFwdSource(dtype),
    crossEntropyReduceSource(dtype, true),
    crossEntropyReduceSource(dtype, false),
    crossEntropyBwdSource(dtype),
    dequant4Source(dtype, NF4, 'nf4'),
    gluFwdSource(dtype, 'swiglu'),
    gluFwdSource(dtype, 'geglu'),
    gluBwdSource(dtype, 'swiglu'),
    gluBwdSource(dtype, 'geglu'),
    adamwSource(dtype),
  ];
}
