import type { Parameter } from '../ir/parameter.js';
import { clipGradNorm, gradNorm } from '../optim/grad-clip.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.interface.js';
import type { Collectives } from './collectives.interface.js';
import { FlatView, bytesOf, partitionContiguous } from './flat-view.js';
import { decodeShard, encodeShard, mergeShards, restrictShard } from './optimizer-shard.codec.js';
import type { ZeroStage } from './zero-stage.js';


export interface DataParallelOptions {
  zeroStage: ZeroStage;
  /** Bytes per collective call (DDP's bucket_cap_mb): gradients travel in buckets of this size. */
  bucketBytes: number;
}

/**
 * One batch's share of a metric on one rank. The batch's value is Σ sum / Σ count over the ranks,
 * and a batch whose count is 0 has no value (it leaves the metric's means alone, where a 0 would
 * pull them down). A plain metric is the part (value, 1), so over ranks it is their mean.
 */
export interface MetricPart {
  sum: number;
  count: number;
}

export type MetricParts = Record<string, MetricPart>;

/** What one optimizer step measured: its loss, tokens, and each micro-batch's metric parts. */
export interface StepStats {
  loss: number;
  tokens: number;
  /** One entry per micro-batch, each rank's with the same keys. */
  metrics: MetricParts[];
}

const F32 = 4;

/**
 * Data parallel training over a `Collectives`: each rank reads its shard of every global batch,
 * gradients are averaged once per optimizer step, bucketed, and with ZeRO each rank owns a
 * contiguous run of parameters: it keeps optimizer state (stage 1) and gradients (stage 2) only
 * for those, updates them, and all-gathers the weights. The trainer calls the same methods in a
 * world of one, where each is what the trainer did alone.
 */
export class DataParallel {
  private readonly params: readonly Parameter[];
  /** First parameter owned by each rank, then the parameter count (ZeRO). */
  private readonly owners: readonly number[];
  private readonly grads: FlatView;
  private readonly values: FlatView;
  private readonly owned: ReadonlySet<string>;

  constructor(
    readonly comm: Collectives,
    named: readonly (readonly [string, Parameter])[],
    readonly options: DataParallelOptions,
  ) {
    if (comm.size > 1 && !(options.bucketBytes >= F32)) throw new Error(`data parallel: bucket of ${options.bucketBytes} bytes holds no gradient`);
    this.params = named.map(([, p]) => p);
    this.grads = new FlatView(this.params.map((p) => p.size * F32));
    this.values = new FlatView(this.params.map((p) => p.value.data.byteLength));
    this.owners = partitionContiguous(this.params.map((p) => p.size), comm.size);
    const mine = options.zeroStage === 0 ? this.params : this.params.slice(this.owners[comm.rank], this.owners[comm.rank + 1]);
    // The optimizer keys its state by parameter name.
    this.owned = new Set(mine.map((p) => p.name));
  }

  get isMain(): boolean {
    return this.comm.rank === 0;
  }

  private get single(): boolean {
    return this.comm.size === 1;
  }

  /** Averages the accumulated gradients over ranks (stage 2: keeps only this rank's, reduce-scattered). */
  async reduceGradients(): Promise<void> {
    if (this.single) return;
    // A rank without a grad for a parameter still sends its share (zeros), so the calls line up.
    for (const p of this.params) p.grad ??= new Float32Array(p.size);
    const segments = this.params.map((p) => bytesOf(p.grad!));
    if (this.options.zeroStage === 2) await this.reduceScatterGradients(segments);
    else await this.allReduceGradients(segments);
  }

  private async allReduceGradients(segments: Uint8Array[]): Promise<void> {
    const bucket = new Float32Array(Math.min(this.grads.total / F32, Math.floor(this.options.bucketBytes / F32)));
    const inv = 1 / this.comm.size;
    for (let from = 0; from < this.grads.total; from += bucket.byteLength) {
      const to = Math.min(this.grads.total, from + bucket.byteLength);
      const part = bucket.subarray(0, (to - from) / F32);
      this.grads.read(segments, from, to, bytesOf(part));
      await this.comm.allReduceSum(part);
      for (let i = 0; i < part.length; i++) part[i] *= inv;
      this.grads.write(segments, from, to, bytesOf(part));
    }
  }

  /** Rounds of one reduce-scatter: in round k each rank's block is the k-th bucket of the gradients it owns. */
  private async reduceScatterGradients(segments: Uint8Array[]): Promise<void> {
    const chunk = Math.floor(this.options.bucketBytes / this.comm.size / F32) * F32 || F32;
    const ranges = this.ownedRanges(this.grads);
    const inv = 1 / this.comm.size;
    const rounds = Math.max(...ranges.map(([a, b]) => Math.ceil((b - a) / chunk)));
    for (let k = 0; k < rounds; k++) {
      const parts = ranges.map(([a, b]) => [Math.min(b, a + k * chunk), Math.min(b, a + (k + 1) * chunk)] as const);
      const counts = parts.map(([a, b]) => (b - a) / F32);
      const send = new Float32Array(counts.reduce((x, y) => x + y, 0));
      let at = 0;
      for (const [a, b] of parts) {
        this.grads.read(segments, a, b, bytesOf(send), at);
        at += b - a;
      }
      const mine = new Float32Array(counts[this.comm.rank]);
      await this.comm.reduceScatterSum(send, counts, mine);
      for (let i = 0; i < mine.length; i++) mine[i] *= inv;
      const [a, b] = parts[this.comm.rank];
      this.grads.write(segments, a, b, bytesOf(mine));
    }
    this.dropForeignGradients();
  }

  /** The global gradient norm (before clipping), clipping to `maxNorm` when it is > 0. */
  async clipGradNorm(maxNorm: number): Promise<number> {
    if (this.options.zeroStage !== 2 || this.single) return maxNorm > 0 ? clipGradNorm(this.params, maxNorm) : gradNorm(this.params);
    // Stage 2: each rank holds a disjoint part of the gradient; squares add across ranks.
    const squares = Float64Array.of(gradNorm(this.params) ** 2);
    await this.comm.allReduceSum(squares);
    const total = Math.sqrt(squares[0]);
    const coef = maxNorm / (total + 1e-6);
    if (maxNorm > 0 && Number.isFinite(total) && coef < 1) for (const p of this.params) if (p.grad) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= coef;
    return total;
  }

  /** The optimizer update: ZeRO ranks update the parameters they own, then every rank receives the rest. */
  async step(optimizer: Optimizer): Promise<void> {
    if (this.options.zeroStage === 0 || this.single) return optimizer.step();
    this.dropForeignGradients();
    optimizer.step();
    await this.allGatherValues();
  }

  private dropForeignGradients(): void {
    this.params.forEach((p) => this.owned.has(p.name) || p.zeroGrad());
  }

  private async allGatherValues(): Promise<void> {
    const segments = this.params.map((p) => bytesOf(p.value.data));
    const ranges = this.ownedRanges(this.values);
    const chunk = Math.max(1, Math.floor(this.options.bucketBytes / this.comm.size));
    const rounds = Math.max(...ranges.map(([a, b]) => Math.ceil((b - a) / chunk)));
    for (let k = 0; k < rounds; k++) {
      const parts = ranges.map(([a, b]) => [Math.min(b, a + k * chunk), Math.min(b, a + (k + 1) * chunk)] as const);
      const counts = parts.map(([a, b]) => b - a);
      const [ma, mb] = parts[this.comm.rank];
      const mine = new Uint8Array(mb - ma);
      this.values.read(segments, ma, mb, mine);
      const all = new Uint8Array(counts.reduce((x, y) => x + y, 0));
      await this.comm.allGatherBytes(mine, counts, all);
      let at = 0;
      parts.forEach(([a, b], r) => {
        if (r !== this.comm.rank) this.values.write(segments, a, b, all, at);
        at += b - a;
      });
    }
  }

  /** Each rank's owned byte range of a view (ZeRO ownership). */
  private ownedRanges(view: FlatView): (readonly [number, number])[] {
    return Array.from({ length: this.comm.size }, (_, r) => [view.offsets[this.owners[r]], view.offsets[this.owners[r + 1]]] as const);
  }

  /**
   * One step's stats over ranks: the loss averaged, tokens summed, and each micro-batch's metric
   * parts summed (a metric's value in a micro-batch is then its sum over its count on all ranks).
   */
  async reduceStats(stats: StepStats): Promise<StepStats> {
    if (this.single) return stats;
    const keys = stats.metrics.map((parts) => Object.keys(parts));
    const sums = Float64Array.from([stats.loss, stats.tokens, ...stats.metrics.flatMap((parts, j) => keys[j].flatMap((k) => [parts[k].sum, parts[k].count]))]);
    await this.comm.allReduceSum(sums);
    let at = 2;
    const metrics = keys.map((names) => Object.fromEntries(names.map((k) => [k, { sum: sums[at++], count: sums[at++] }])));
    return { loss: sums[0] / this.comm.size, tokens: sums[1], metrics };
  }

  /** Whether any rank raised each flag (a stop or save request seen by one rank binds all). */
  async anyRank(flags: readonly boolean[]): Promise<boolean[]> {
    if (this.single) return [...flags];
    const sums = Float64Array.from(flags, Number);
    await this.comm.allReduceSum(sums);
    return [...sums].map((s) => s > 0);
  }

  /** The main rank's answer on every rank (which checkpoint to resume from); its error is every rank's. */
  async fromMain<T>(compute: () => Promise<T>): Promise<T> {
    if (this.single) return compute();
    let message: Uint8Array | null = null;
    if (this.isMain) {
      const outcome = await compute().then(
        (value) => ({ value }),
        (e: Error) => ({ error: e.message }),
      );
      message = new TextEncoder().encode(JSON.stringify(outcome));
    }
    const outcome = JSON.parse(new TextDecoder().decode(await this.comm.broadcastBytes(message, 0))) as { value: T } | { error: string };
    if ('error' in outcome) throw new Error(outcome.error);
    return outcome.value;
  }

  /** The part of a full optimizer checkpoint this rank keeps. */
  ownShare(state: OptimizerState): OptimizerState {
    return this.options.zeroStage === 0 ? state : restrictShard(state, this.owned);
  }

  /** The whole optimizer state on the main rank (gathered from the owners under ZeRO), null elsewhere. */
  async gatherOptimizerState(optimizer: Optimizer): Promise<OptimizerState | null> {
    const local = optimizer.stateDict();
    if (this.options.zeroStage === 0 || this.single) return this.isMain ? local : null;
    const shards = await this.comm.gatherBytes(encodeShard({ scalars: local.meta.scalars, buffers: local.buffers }), 0);
    return shards && mergeShards(local.meta, shards.map(decodeShard));
  }

  /** Bytes of optimizer state this rank holds (moments, master weights). */
  static optimizerBytes(optimizer: Optimizer): number {
    const { buffers } = optimizer.stateDict();
    return Object.values(buffers).reduce((n, named) => n + Object.values(named).reduce((m, b) => m + b.byteLength, 0), 0);
  }

  async barrier(): Promise<void> {
    if (!this.single) await this.comm.barrier();
  }
}
