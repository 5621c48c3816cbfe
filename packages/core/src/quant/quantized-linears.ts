import type { Executor, Program } from '../executors/executor.interface.js';
import { HostTensor } from '../host-tensor.js';
import { markImmutable } from '../ir/graph.js';
import type { Parameter } from '../ir/parameter.js';
import { withLinearOverride } from '../tensor/linear-override.js';
import { Tensor } from '../tensor/tensor.js';
import { type NbitsOptions, quantizeNbitsTraced } from './quantize-nbits.js';

/** How `withQuantizedLinears` rounds weights: `matmul_nbits`' bits and block size, and its activations. */
export interface LinearQuantization extends NbitsOptions {
  readonly activationBits: 8 | null;
}

interface QuantizedWeight {
  /** The parameter value it was rounded from. */
  readonly from: HostTensor;
  readonly key: string;
  readonly packed: Tensor;
  readonly scales: Tensor;
}

const keyOf = (q: LinearQuantization) => `${q.bits}/${q.blocksize}/${q.activationBits}`;

/**
 * Rounded copies of frozen weights, kept from one scope to the next while the parameter holds the
 * same value object: a frozen weight changes only by being assigned a new value (a checkpoint
 * load, an adapter merge), so a run rounds its embedding and unadapted layers once, not per rollout.
 */
const frozen = new WeakMap<Parameter, QuantizedWeight>();

/** Rows rounded per run: a program's buffers stay a few MB (the whole of a 135M model in one run held 1 GB). */
const ROUNDING_ELEMENTS = 1 << 22;

/** `p`'s codes and scales, rounded on `executor` a block of rows at a time (rows are rounded independently). */
async function roundWeight(executor: Executor, p: Parameter, quantization: LinearQuantization): Promise<[HostTensor, HostTensor]> {
  const [n, k] = p.shape;
  const data = p.value.data as Float32Array;
  const blocks = Math.ceil(k / quantization.blocksize);
  const blob = (quantization.blocksize * quantization.bits) / 8;
  const [packed, scales] = [new Uint8Array(n * blocks * blob), new Float32Array(n * blocks)];
  const rows = Math.max(1, Math.min(n, Math.floor(ROUNDING_ELEMENTS / k)));
  for (let start = 0; start < n; start += rows) {
    const count = Math.min(rows, n - start);
    const t = quantizeNbitsTraced(Tensor.input('w', [count, k]), quantization);
    // Programs are per chunk shape, so a model's weights share a handful of them.
    const [codes, scale] = await executor.compile([t.packed, t.scales]).run({ w: HostTensor.f32([count, k], data.subarray(start * k, (start + count) * k)) });
    packed.set(codes.data as Uint8Array, start * blocks * blob);
    scales.set(scale.data as Float32Array, start * blocks);
  }
  return [new HostTensor('u8', [n, blocks, blob], packed), HostTensor.f32([n * blocks], scales)];
}

/** Rounds every weight not already rounded, on `executor`. */
async function roundWeights(executor: Executor, weights: readonly Parameter[], quantization: LinearQuantization): Promise<Map<Parameter, QuantizedWeight>> {
  const key = keyOf(quantization);
  const out = new Map<Parameter, QuantizedWeight>();
  for (const p of weights) {
    const known = frozen.get(p);
    if (!p.requiresGrad && known && known.from === p.value && known.key === key) {
      out.set(p, known);
      continue;
    }
    const [packed, scales] = await roundWeight(executor, p, quantization);
    // Nothing writes to them: programs hash them once, and a frozen weight's program is found again next scope.
    markImmutable(packed);
    markImmutable(scales);
    const made = { from: p.value, key, packed: Tensor.constant(packed), scales: Tensor.constant(scales) };
    out.set(p, made);
    if (!p.requiresGrad) frozen.set(p, made);
  }
  return out;
}

/** An executor that remembers what it compiled, so a scope can release it after. */
class RecordingExecutor implements Executor {
  readonly compiled: Program[] = [];

  constructor(private readonly inner: Executor) {}

  get name(): string {
    return this.inner.name;
  }

  compile(...args: Parameters<Executor['compile']>): Program {
    const program = this.inner.compile(...args);
    this.compiled.push(program);
    return program;
  }

  release(programs: readonly Program[]): Promise<void> {
    return this.inner.release?.(programs) ?? Promise.resolve();
  }

  /** The inner executor outlives the scope; only the programs compiled through this one are released. */
  dispose(): Promise<void> {
    return this.release(this.compiled);
  }
}

/**
 * Runs `fn` with every `F.linear` it traces over one of `weights` (2-D f32 parameters [out, in]:
 * the projections, and the embedding where the LM head is tied to it) multiplying by that weight
 * rounded to `quantization` (`matmul_nbits`); other linears (an adapter's) stay exact. The weights
 * are rounded at the start, by programs on `executor`. `fn` gets the executor to compile with:
 * its programs hold the rounded weights as constants, which an executor packs once per program.
 * Frozen weights are rounded once and kept while unchanged, so when every weight is frozen (the
 * base under a LoRA adapter) the next scope traces the same constants and finds the same
 * compiled programs; otherwise the programs are released when `fn` settles.
 */
export async function withQuantizedLinears<T>(executor: Executor, weights: readonly Parameter[], quantization: LinearQuantization, fn: (executor: Executor) => Promise<T>): Promise<T> {
  const bad = weights.find((p) => p.dtype !== 'f32' || p.shape.length !== 2);
  if (bad) throw new Error(`withQuantizedLinears: ${bad.name || `parameter #${bad.id}`} is ${bad.dtype} [${bad.shape.join(', ')}], not an f32 [out, in] weight`);
  const rounded = await roundWeights(executor, weights, quantization);
  const recording = new RecordingExecutor(executor);
  const override = (x: Tensor, weight: Tensor): Tensor | null => {
    const q = weight.node.op === 'param' ? rounded.get((weight.node.attrs as { param: Parameter }).param) : undefined;
    if (!q) return null;
    const [n, k] = weight.shape;
    return Tensor.composite('matmul_nbits', [x, q.packed, q.scales], { n, k, bits: quantization.bits, blocksize: quantization.blocksize, activationBits: quantization.activationBits });
  };
  try {
    return await withLinearOverride(override, () => fn(recording));
  } finally {
    if (weights.some((p) => p.requiresGrad)) await recording.dispose();
  }
}
