/**
 * A frozen 4-bit linear layer with bitsandbytes `Linear4bit` semantics: the weight [out, in] is
 * stored blockwise-quantized (NF4 or FP4, optionally with double-quantized scales) and is
 * dequantized inside the traced graph on every forward, so no full-precision copy of it outlives
 * a step.
 *
 * The big arrays (packed codes, absmax or its double-quant pieces) enter the graph as frozen
 * Parameters, not constants: executors read a Parameter's host data at each run without copying
 * it, whereas a constant is embedded into the compiled program (for ORT, serialized into the ONNX
 * model), which would duplicate every weight once more. The 16- and 256-entry code tables are tiny
 * and never change, so they are constants.
 *
 * Parameter names follow bitsandbytes' serialized state dict: `weight` (packed u8, [ceil(n/2), 1]),
 * `weight.absmax` (f32, or u8 codes with double quant), `weight.nested_absmax` (f32), `bias`.
 */
import { HostTensor, Linear, Module, Parameter, Tensor, F } from '@tunekit/core';
import type { LogicalParameterCount } from '@tunekit/peft-lora';
import { type QuantType4Bit, dequantizeFp4Value, dequantizeNf4Value } from '../quant/code-tables.js';
import { assertBlocksize4Bit, dequantize4bit, quantize4bit } from '../quant/blockwise.js';
import { type DoubleQuantized, doubleDequantize, doubleQuantize } from '../quant/double-quant.js';
import { DEFAULT_SKIP_MODULES, isSkippedModule } from '../config/skip-modules.js';

export interface Linear4bitOptions {
  quantType?: QuantType4Bit;
  /** Power of two in 32..4096; default 64 (bitsandbytes' default). */
  blocksize?: number;
  /** Quantize the absmax scales to 8 bits (bitsandbytes `compress_statistics`); default false. */
  doubleQuant?: boolean;
}

/** The metadata that is not a tensor (bitsandbytes' `QuantState` minus its arrays). */
export interface Linear4bitQuantState {
  quantType: QuantType4Bit;
  blocksize: number;
  shape: readonly [number, number];
  /** With double quant: the float32 mean added back to the dequantized scales. */
  offset: number | null;
  nestedQuantMap: Float32Array | null;
  nestedBlocksize: number | null;
}

/** The 16 levels a 4-bit code indexes, exactly as `dequantize4bit` reads them. */
export function codeTable4bit(quantType: QuantType4Bit): Float32Array {
  const level = quantType === 'nf4' ? dequantizeNf4Value : dequantizeFp4Value;
  return Float32Array.from({ length: 16 }, (_, c) => level(c));
}

export class Linear4bit extends Module implements LogicalParameterCount {
  /** Packed codes, two per byte, first element in the high nibble: u8 [ceil(out·in / 2), 1]. */
  readonly weight: Parameter;
  /** f32 [nBlocks] scales, or u8 [nBlocks] codes when double-quantized. */
  readonly absmax: Parameter;
  /** f32 [ceil(nBlocks / 256)] with double quant, else null. */
  readonly nestedAbsmax: Parameter | null;
  readonly bias: Parameter | null;
  readonly quantState: Linear4bitQuantState;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    parts: {
      packed: Uint8Array;
      absmax: Float32Array | DoubleQuantized;
      quantType: QuantType4Bit;
      blocksize: number;
      bias?: Float32Array | null;
    },
  ) {
    super();
    const n = inFeatures * outFeatures;
    assertBlocksize4Bit(parts.blocksize);
    const nBlocks = Math.ceil(n / parts.blocksize);
    if (parts.packed.length !== Math.ceil(n / 2)) {
      throw new Error(`Linear4bit: ${parts.packed.length} bytes cannot hold [${outFeatures}, ${inFeatures}] 4-bit values`);
    }
    const frozen = (t: HostTensor) => new Parameter(t, false);
    this.weight = this.param('weight', frozen(new HostTensor('u8', [parts.packed.length, 1], parts.packed)));
    const dq = parts.absmax instanceof Float32Array ? null : parts.absmax;
    if (dq) {
      if (dq.quantAbsmax.length !== nBlocks) throw new Error(`Linear4bit: expected ${nBlocks} absmax codes, got ${dq.quantAbsmax.length}`);
      this.absmax = this.param('weight.absmax', frozen(new HostTensor('u8', [nBlocks], dq.quantAbsmax)));
      this.nestedAbsmax = this.param('weight.nested_absmax', frozen(HostTensor.f32([dq.nestedAbsmax.length], dq.nestedAbsmax)));
    } else {
      const absmax = parts.absmax as Float32Array;
      if (absmax.length !== nBlocks) throw new Error(`Linear4bit: expected ${nBlocks} absmax values, got ${absmax.length}`);
      this.absmax = this.param('weight.absmax', frozen(HostTensor.f32([nBlocks], absmax)));
      this.nestedAbsmax = null;
    }
    this.bias = parts.bias ? this.param('bias', frozen(HostTensor.f32([outFeatures], parts.bias))) : null;
    this.quantState = {
      quantType: parts.quantType,
      blocksize: parts.blocksize,
      shape: [outFeatures, inFeatures],
      offset: dq ? dq.offset : null,
      nestedQuantMap: dq ? dq.nestedQuantMap : null,
      nestedBlocksize: dq ? dq.nestedBlocksize : null,
    };
  }

  /** Quantizes a Linear's weight (any storage dtype) with the bitsandbytes-exact primitives. */
  static fromLinear(linear: Linear, opts: Linear4bitOptions = {}): Linear4bit {
    const bias = linear.bias ? linear.bias.value.toFloat32() : null;
    return Linear4bit.fromWeight(linear.inFeatures, linear.outFeatures, linear.weight.value.toFloat32(), bias, opts);
  }

  /** Quantizes a float32 weight [out, in] (row-major) and keeps the bias as it is. */
  static fromWeight(inFeatures: number, outFeatures: number, weight: Float32Array, bias: Float32Array | null, opts: Linear4bitOptions = {}): Linear4bit {
    const quantType = opts.quantType ?? 'nf4';
    const blocksize = opts.blocksize ?? 64;
    const q = quantize4bit(weight, { quantType, blocksize, shape: [outFeatures, inFeatures] });
    return new Linear4bit(inFeatures, outFeatures, {
      packed: q.packed,
      absmax: opts.doubleQuant ? doubleQuantize(q.absmax) : q.absmax,
      quantType,
      blocksize,
      bias,
    });
  }

  get doubleQuant(): boolean {
    return this.nestedAbsmax !== null;
  }

  /** The float32 scales, dequantized on the host when double-quantized. */
  private hostAbsmax(): Float32Array {
    const s = this.quantState;
    if (!this.nestedAbsmax) return this.absmax.value.data as Float32Array;
    return doubleDequantize({
      quantAbsmax: this.absmax.value.data as Uint8Array,
      nestedAbsmax: this.nestedAbsmax.value.data as Float32Array,
      offset: s.offset!,
      nestedQuantMap: s.nestedQuantMap!,
      nestedBlocksize: s.nestedBlocksize!,
    });
  }

  /** The weight [out, in] as float32 on the host (the values the graph computes). */
  dequantizedWeight(): Float32Array {
    return dequantize4bit({
      packed: this.weight.value.data as Uint8Array,
      absmax: this.hostAbsmax(),
      shape: this.quantState.shape,
      blocksize: this.quantState.blocksize,
      quantType: this.quantState.quantType,
    });
  }

  /** PEFT's count: the packed weight's `numel() * 2` (scales are not parameters in bitsandbytes) plus the bias. */
  logicalParameterCount(): number {
    return 2 * this.weight.size + (this.bias?.size ?? 0);
  }

  /** Storage bytes of the quantized weight (codes and scales, bias excluded). */
  quantizedBytes(): number {
    return this.parameters().filter((p) => p !== this.bias).reduce((s, p) => s + p.value.data.byteLength, 0);
  }

  /** The block scales as a traced f32 [nBlocks] (double quant: `code[q] · nested[i / 256] + offset`). */
  private absmaxTensor(): Tensor {
    const absmax = Tensor.param(this.absmax);
    if (!this.nestedAbsmax) return absmax;
    const s = this.quantState;
    const nBlocks = this.absmax.shape[0]!;
    const nb = s.nestedBlocksize!;
    const nested = Tensor.param(this.nestedAbsmax);
    const levels = Tensor.constant(HostTensor.f32([s.nestedQuantMap!.length], s.nestedQuantMap!)).gather(0, absmax.cast('i32'));
    // One nested scale per absmax: [nNested, 1] → [nNested, nb] → flat, cut to nBlocks.
    const scale = nested
      .reshape([nested.shape[0]!, 1])
      .expand([nested.shape[0]!, nb])
      .reshape([nested.shape[0]! * nb])
      .slice(0, 0, nBlocks);
    return levels.mul(scale).add(s.offset!);
  }

  /** The packed codes and scales as the IR's 4-bit ops take them. */
  private quantOperands(): [Tensor, Tensor, { n: number; k: number; blocksize: number; levels: Float32Array; quantType: QuantType4Bit }] {
    const { blocksize, quantType } = this.quantState;
    const packed = Tensor.param(this.weight).reshape([this.weight.shape[0]!]);
    return [packed, this.absmaxTensor(), { n: this.outFeatures, k: this.inFeatures, blocksize, levels: codeTable4bit(quantType), quantType }];
  }

  /** The weight [out, in] dequantized in the graph from the packed bytes. */
  weightTensor(): Tensor {
    const [packed, absmax, opts] = this.quantOperands();
    return F.dequantize4bit(packed, absmax, opts);
  }

  /** LoRA's view of a base layer (CustomLoraBase): the weight as traced [out, in] f32. */
  weightOutIn(): Tensor {
    return this.weightTensor();
  }

  /** LoRA's host view (DoRA's initial magnitude). No setter: 4-bit weights are not merged into in place. */
  hostWeightOutIn(): Float64Array {
    return Float64Array.from(this.dequantizedWeight());
  }

  /**
   * One 4-bit matmul op: onnxruntime runs it as its fused MatMulBnb4 kernel (dequantizing into a
   * scratch buffer inside the op), so no float32 weight is a graph value between ops, and the
   * backward pass re-reads the 4-bit weight for the input gradient rather than keeping one.
   */
  forward(x: Tensor): Tensor {
    const [packed, absmax, opts] = this.quantOperands();
    const y = F.matmul4bit(x, packed, absmax, opts);
    return this.bias ? y.add(Tensor.param(this.bias)) : y;
  }
}

export interface QuantizeModelOptions extends Linear4bitOptions {
  /** `llm_int8_skip_modules`, matched as transformers does (a name, a full path, or a path prefix); default `['lm_head']`. */
  skipModules?: readonly string[];
}

/** A layer's full-precision weight [out, in] and bias, fetched just before it is quantized. */
export type LinearWeightSource = (path: string, linear: Linear) => Promise<{ weight: Float32Array; bias: Float32Array | null }>;

/** The Linears `quantizeModel` replaces: every one but the skipped (embeddings and norms are not Linear). */
export function quantizationTargets(model: Module, skipModules: readonly string[] = DEFAULT_SKIP_MODULES): [string, Linear][] {
  return [...model.namedModules()].filter((e): e is [string, Linear] => e[1] instanceof Linear && e[0] !== '' && !isSkippedModule(e[0], skipModules));
}

function replaceAt(model: Module, path: string, layer: Module): void {
  const cut = path.lastIndexOf('.');
  const parent = cut < 0 ? model : model.getModule(path.slice(0, cut));
  if (!parent) throw new Error(`quantizeModel: no parent module for "${path}"`);
  parent.replaceModule(path.slice(cut + 1), layer);
}

/**
 * Replaces every `Linear` in `model` (the LM head is skipped by name) with a `Linear4bit` made from
 * its current weight, then renames parameters after their new paths. Returns the replaced paths.
 */
export function quantizeModel<M extends Module>(model: M, opts: QuantizeModelOptions = {}): string[] {
  const targets = quantizationTargets(model, opts.skipModules);
  for (const [path, linear] of targets) replaceAt(model, path, Linear4bit.fromLinear(linear, opts));
  model.nameParameters();
  return targets.map(([path]) => path);
}

/**
 * `quantizeModel` with each weight fetched from `source` right before it is quantized and dropped
 * right after: one full-precision weight exists at a time, so quantizing while loading (or drawing
 * random weights for a benchmark) peaks near the quantized size. The replaced Linears' own buffers
 * are never written, so when the model was built `empty` they never become resident.
 */
export async function quantizeModelFrom<M extends Module>(model: M, source: LinearWeightSource, opts: QuantizeModelOptions = {}): Promise<string[]> {
  const targets = quantizationTargets(model, opts.skipModules);
  for (const [path, linear] of targets) {
    const { weight, bias } = await source(path, linear);
    replaceAt(model, path, Linear4bit.fromWeight(linear.inFeatures, linear.outFeatures, weight, bias, opts));
  }
  model.nameParameters();
  return targets.map(([path]) => path);
}
