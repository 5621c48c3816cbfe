/**
 * A frozen 8-bit linear layer with bitsandbytes `Linear8bitLt` storage (`has_fp16_weights=False`):
 * the weight [out, in] is held as int8 row codes `CB` plus one f32 absmax per output row `SCB`,
 * and is dequantized inside the traced graph on every forward, so no f32 copy of it is kept.
 *
 * What TuneKit computes, and how it relates to LLM.int8():
 * bitsandbytes' forward also quantizes the *activations* row-wise to int8 and multiplies int8 × int8
 * on integer hardware; with `llm_int8_threshold` > 0 (default 6.0) every input column holding an
 * activation with |x| ≥ threshold is taken out of the int8 product and multiplied in 16-bit against
 * the dequantized weight columns (`int8_mixed_scaled_mm`). The outlier decomposition therefore only
 * decides which columns get their activations quantized; the weight is always the same int8 CB/SCB.
 * TuneKit dequantizes the weight to f32 (`CB · SCB · f32(1/127)`, bitsandbytes' own dequant) and runs
 * an f32 matmul with unquantized activations: y = x · dequant(W)ᵀ + b. That is exactly what
 * LLM.int8() gives in the limit where every column is an outlier column (threshold → 0⁺), i.e. the
 * weight-only int8 approximation: the weight error is bitsandbytes' exactly, and the activation
 * rounding LLM.int8() adds on its non-outlier columns is absent (as is its fp16 accumulation; we
 * accumulate in f32). The threshold is therefore kept (and saved) only so a checkpoint round-trips
 * to bitsandbytes with the same setting. The backward pass is bitsandbytes' `MatMul8bitLt` one,
 * grad_x = grad_y · dequant(W) (it scales by SCB·(1/127) first, so it may differ in the last bit),
 * with no gradient for the frozen int8 weight.
 *
 * Parameter names follow what `Linear8bitLt._save_to_state_dict` writes: `weight` (i8 [out, in])
 * and `SCB` (f32 [out]), plus `bias`. bitsandbytes also writes `weight_format` (u8 scalar 0 =
 * row-major), which carries no data; the serializer adds it.
 */
import { HostTensor, Linear, Module, Parameter, Tensor, F } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import type { LogicalParameterCount } from '@tunekit/peft-lora';
import { INT8_DEQUANT_SCALE, int8VectorwiseDequant, quantizeWeightInt8 } from './int8-vectorwise.js';

/** transformers' `BitsAndBytesConfig.llm_int8_threshold` default. */
export const LLM_INT8_DEFAULT_THRESHOLD = 6.0;

export interface Linear8bitOptions {
  /** `llm_int8_threshold`: recorded, not used in the computation (see the file comment). */
  threshold?: number;
}

export class Linear8bit extends Module implements LogicalParameterCount {
  /** int8 codes, [out, in] row-major (bitsandbytes CB, stored as the weight). */
  readonly weight: Parameter;
  /** f32 [out]: each row's absmax (bitsandbytes SCB). */
  readonly SCB: Parameter;
  readonly bias: Parameter | null;
  readonly threshold: number;
  /**
   * The layer it replaced was GPT-2's Conv1D, whose checkpoint stores the weight [in, out]:
   * dequantizing gives a Conv1D back, so the 16/32-bit checkpoint has the original layout.
   */
  readonly conv1d: boolean;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    parts: { CB: Int8Array; SCB: Float32Array; bias?: Float32Array | null; threshold?: number; conv1d?: boolean },
  ) {
    super();
    if (parts.CB.length !== inFeatures * outFeatures) {
      throw new Error(`Linear8bit: ${parts.CB.length} int8 codes cannot be a [${outFeatures}, ${inFeatures}] weight`);
    }
    if (parts.SCB.length !== outFeatures) throw new Error(`Linear8bit: expected ${outFeatures} row scales (SCB), got ${parts.SCB.length}`);
    if (parts.bias && parts.bias.length !== outFeatures) throw new Error(`Linear8bit: expected ${outFeatures} bias values, got ${parts.bias.length}`);
    const threshold = parts.threshold ?? LLM_INT8_DEFAULT_THRESHOLD;
    if (!(threshold >= 0) || !Number.isFinite(threshold)) throw new Error(`Linear8bit: threshold must be a finite number >= 0, got ${threshold}`);
    const frozen = (t: HostTensor) => new Parameter(t, false);
    this.weight = this.param('weight', frozen(new HostTensor('i8', [outFeatures, inFeatures], parts.CB)));
    this.SCB = this.param('SCB', frozen(HostTensor.f32([outFeatures], parts.SCB)));
    this.bias = parts.bias ? this.param('bias', frozen(HostTensor.f32([outFeatures], parts.bias))) : null;
    this.threshold = threshold;
    this.conv1d = parts.conv1d ?? false;
  }

  /**
   * Quantizes a Linear ([out, in]) or GPT-2 Conv1D ([in, out], transposed first, as transformers
   * does before quantizing) with `Int8Params` semantics: float16 first, then row-wise absmax.
   */
  static fromLinear(layer: Linear | Conv1D, opts: Linear8bitOptions = {}): Linear8bit {
    const bias = layer.bias ? Float32Array.from(layer.bias.value.toFloat32()) : null;
    return Linear8bit.fromWeight(layer.inFeatures, layer.outFeatures, layer.weight.value.toFloat32(), bias, { ...opts, conv1d: layer instanceof Conv1D });
  }

  /**
   * Quantizes a float32 weight as its checkpoint stores it: [out, in] for a Linear, [in, out] for a
   * Conv1D (`conv1d`, transposed first), and keeps the bias as it is.
   */
  static fromWeight(
    inFeatures: number,
    outFeatures: number,
    weight: Float32Array,
    bias: Float32Array | null,
    opts: Linear8bitOptions & { conv1d?: boolean } = {},
  ): Linear8bit {
    const w = opts.conv1d ? transpose(weight, inFeatures, outFeatures) : weight;
    const q = quantizeWeightInt8(w, [outFeatures, inFeatures]);
    return new Linear8bit(inFeatures, outFeatures, { CB: q.CB, SCB: q.SCB, bias, threshold: opts.threshold, conv1d: opts.conv1d });
  }

  /** The weight [out, in] as f32 on the host (the values the graph computes). */
  dequantizedWeight(): Float32Array {
    return int8VectorwiseDequant({
      CB: this.weight.value.data as Int8Array,
      SCB: this.SCB.value.data as Float32Array,
      shape: [this.outFeatures, this.inFeatures],
    });
  }

  /** PEFT's count: the int8 weight's elements and the bias (bitsandbytes keeps `SCB` outside the parameters). */
  logicalParameterCount(): number {
    return this.weight.size + (this.bias?.size ?? 0);
  }

  /** Storage bytes of the quantized weight (codes and row scales, bias excluded). */
  quantizedBytes(): number {
    return this.weight.value.byteLength + this.SCB.value.byteLength;
  }

  /** The weight [out, in] dequantized in the graph: `f32(f32(CB · SCB) · f32(1/127))`, as bitsandbytes. */
  weightTensor(): Tensor {
    const scb = Tensor.param(this.SCB).reshape([this.outFeatures, 1]);
    return Tensor.param(this.weight).cast('f32').mul(scb).mul(INT8_DEQUANT_SCALE);
  }

  /** LoRA's view of a base layer (CustomLoraBase): the weight as traced [out, in] f32. */
  weightOutIn(): Tensor {
    return this.weightTensor();
  }

  /** LoRA's host view (DoRA's initial magnitude). No setter: int8 weights are not merged into in place. */
  hostWeightOutIn(): Float64Array {
    return Float64Array.from(this.dequantizedWeight());
  }

  forward(x: Tensor): Tensor {
    return F.linear(x, this.weightTensor(), this.bias && Tensor.param(this.bias));
  }
}

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c]!;
  return out;
}
