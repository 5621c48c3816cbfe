import { dequantize4bit } from './decompositions.js';
import { Tensor } from './tensor.js';
import type { MatmulNbitsAttrs } from '../ir/ops.js';
import { overriddenLinear } from './linear-override.js';

type Matmul4bitOptions = { n: number; k: number; blocksize: number; levels: ArrayLike<number>; quantType?: 'nf4' | 'fp4' | null; transB?: boolean };

const matmul4bitAttrs = (o: Matmul4bitOptions) => ({
  n: o.n,
  k: o.k,
  blocksize: o.blocksize,
  levels: Array.from(o.levels),
  quantType: o.quantType ?? null,
  transB: o.transB ?? true,
});

/** Composite ops in their user-facing form (PyTorch's torch.nn.functional names where they exist). */
export const F = {
  linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
    const y = overriddenLinear(x, weight) ?? x.matmul(weight.mT);
    return bias ? y.add(bias) : y;
  },

  rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
    return Tensor.composite('rms_norm', [x, weight], { eps });
  },

  layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps = 1e-5): Tensor {
    return Tensor.composite('layer_norm', [x, weight, bias], { eps });
  },

  /** Rotary position embedding in the rotate-half layout used by Llama, Mistral and Qwen. */
  rotary(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    return Tensor.composite('rotary', [x, cos, sin], {});
  },

  /**
   * Scaled dot-product attention with grouped-query heads. `mask` (bool, true = may attend) is
   * broadcast to [B, Hq, T, S]: a key-padding mask is `[B, 1, 1, S]`, a packing mask `[B, 1, T, S]`.
   * `softcap` c squashes the scaled scores to tanh(s / c) * c before masking (Gemma 2).
   */
  attention(q: Tensor, k: Tensor, v: Tensor, opts: { mask?: Tensor | null; causal?: boolean; scale?: number; softcap?: number | null } = {}): Tensor {
    const scale = opts.scale ?? 1 / Math.sqrt(q.dim(-1));
    const inputs = opts.mask ? [q, k, v, opts.mask] : [q, k, v];
    return Tensor.composite('attention', inputs, { causal: opts.causal ?? true, scale, softcap: opts.softcap ?? null });
  },

  /** Cross-entropy over the last axis of `logits` ([..., C]) against integer `labels` ([...]). */
  crossEntropy(
    logits: Tensor,
    labels: Tensor,
    opts: { ignoreIndex?: number; reduction?: 'mean' | 'sum' | 'none' } = {},
  ): Tensor {
    const c = logits.dim(-1);
    const flatLogits = logits.rank === 2 ? logits : logits.reshape(-1, c);
    const flatLabels = labels.rank === 1 ? labels : labels.reshape(-1);
    const loss = Tensor.composite('cross_entropy', [flatLogits, flatLabels], {
      ignoreIndex: opts.ignoreIndex ?? -100,
      reduction: opts.reduction ?? 'mean',
    });
    return opts.reduction === 'none' && labels.rank !== 1 ? loss.reshape([...labels.shape]) : loss;
  },

  /**
   * `x` times a 4-bit weight W [n, k] (see the IR's `matmul_4bit`): `transB` (default) is a
   * Linear's `x·Wᵀ`, otherwise `x·W`. `packed` is u8 [ceil(n·k/2)], `absmax` [ceil(n·k/blocksize)].
   */
  matmul4bit(x: Tensor, packed: Tensor, absmax: Tensor, opts: Matmul4bitOptions): Tensor {
    return Tensor.composite('matmul_4bit', [x, packed, absmax], matmul4bitAttrs(opts));
  },

  /**
   * `x·Wᵀ` with W [n, k] stored as symmetric `bits`-bit blocks (see the IR's `matmul_nbits` and
   * `quantizeNbits`): `packed` u8 [n, blocks, blocksize·bits/8], `scales` [n·blocks].
   */
  matmulNbits(x: Tensor, packed: Tensor, scales: Tensor, opts: MatmulNbitsAttrs): Tensor {
    return Tensor.composite('matmul_nbits', [x, packed, scales], { ...opts });
  },

  /** The 4-bit weight W [n, k] itself, in primitives (what DoRA's norms and merges need). */
  dequantize4bit(packed: Tensor, absmax: Tensor, opts: Omit<Matmul4bitOptions, 'transB'>): Tensor {
    return dequantize4bit(packed, absmax, matmul4bitAttrs(opts));
  },

  swiglu(gate: Tensor, up: Tensor): Tensor {
    return gate.silu().mul(up);
  },
};
