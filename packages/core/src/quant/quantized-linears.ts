import type { Executor, Program } from '../executors/executor.interface.js';
import type { HostTensor } from '../host-tensor.js';
import type { Parameter } from '../ir/parameter.js';
import { withLinearOverride } from '../tensor/linear-override.js';
import { Tensor } from '../tensor/tensor.js';
import { quantizeNbits } from './quantize-nbits.js';

/** How `withQuantizedLinears` rounds weights: `matmul_nbits`' bits and block size, and its activations. */
export interface LinearQuantization {
  readonly bits: 4 | 8;
  readonly blocksize: number;
  readonly activationBits: 8 | null;
}

interface QuantizedWeight {
  /** The parameter value it was made from: a new value (merged or updated weights) is rounded again. */
  readonly from: HostTensor;
  readonly packed: Tensor;
  readonly scales: Tensor;
  readonly quantization: LinearQuantization;
}

/** The rounded weights of one scope, made the first time a trace reads each. */
class QuantizedWeights {
  private readonly made = new Map<Parameter, QuantizedWeight>();

  constructor(readonly quantization: LinearQuantization) {}

  of(p: Parameter): QuantizedWeight {
    const known = this.made.get(p);
    if (known && known.from === p.value) return known;
    const [n, k] = p.shape;
    const q = quantizeNbits(p.value.toFloat32(), n, k, this.quantization);
    const made = { from: p.value, packed: Tensor.constant(q.packed), scales: Tensor.constant(q.scales), quantization: this.quantization };
    this.made.set(p, made);
    return made;
  }
}

/**
 * x·Wᵀ as `matmul_nbits` against W rounded to the scope's bits, baked into the graph as constants
 * (so an executor can pack them once per program). Null where W is not a 2-D f32 parameter (a
 * computed weight, DoRA's rescaled one, say, stays exact).
 */
function quantizedLinear(weights: QuantizedWeights, x: Tensor, weight: Tensor): Tensor | null {
  if (weight.node.op !== 'param' || weight.dtype !== 'f32' || weight.rank !== 2) return null;
  const q = weights.of((weight.node.attrs as { param: Parameter }).param);
  const [n, k] = weight.shape;
  return Tensor.composite('matmul_nbits', [x, q.packed, q.scales], { n, k, ...q.quantization });
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

  /** The inner executor outlives the scope; only its programs are released. */
  dispose(): Promise<void> {
    return this.release(this.compiled);
  }
}

/**
 * Runs `fn` with every linear layer it traces (every `F.linear` over a 2-D f32 parameter: the
 * projections and an LM head, tied or not) multiplying by its weight rounded to
 * `quantization`, each weight rounded once from its value at first use. `fn` gets the executor to
 * compile with: the programs it compiles hold the rounded weights as constants, and are released
 * when `fn` settles (they are made for this scope's weights only). What it returns is what `fn` does.
 */
export async function withQuantizedLinears<T>(executor: Executor, quantization: LinearQuantization, fn: (executor: Executor) => Promise<T>): Promise<T> {
  const recording = new RecordingExecutor(executor);
  try {
    const weights = new QuantizedWeights(quantization);
    return await withLinearOverride((x, weight) => quantizedLinear(weights, x, weight), () => fn(recording));
  } finally {
    await recording.dispose();
  }
}
