import { InferenceSession, type Tensor as OrtTensor } from 'onnxruntime-node';
import { threadsPerRank } from '../../util/world.js';
import { HostTensor } from '../../host-tensor.js';
import { Graph } from '../../ir/graph.js';
import type { Node } from '../../ir/node.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Executor, type Feeds, type Program, outputNodes } from '../executor.interface.js';
import { type LoweredModel, lowerGraph } from './onnx.lowering.js';
import { fromOrtTensor, hasStorageOf, toOrtTensor } from './ort.tensors.js';

export type OrtOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OrtExecutorOptions {
  /** Intra-op threads; defaults to the machine's cores divided by the job's processes on it. */
  threads?: number;
  /** ORT graph optimisations (fusions, constant folding, CSE); default 'all'. */
  optimizationLevel?: OrtOptimizationLevel;
  /** ORT execution providers in order of preference; default ['cpu']. */
  executionProviders?: string[];
  /**
   * ORT's memory pattern: after the first run it preallocates one block sized for the whole run's
   * activations. Beside the CPU arena that already holds them, this doubled the peak memory of a
   * SmolLM2-135M training step (3.1 GiB vs 1.9 GiB) for no measurable speed, so it is off by default.
   */
  memoryPattern?: boolean;
}

/** A session and how to read its outputs (the model bytes are not kept once ORT has them). */
interface CompiledModel {
  session: InferenceSession;
  paramNames: string[];
  outputNames: string[];
  outputSlots: number[];
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function checkFeed(what: string, node: Node, value: HostTensor | undefined): HostTensor {
  if (!value) throw new Error(`ort: missing feed for ${what} (${node.dtype}${fmt(node.shape)})`);
  if (value.dtype !== node.dtype || !hasStorageOf(node.dtype, value.data)) {
    throw new Error(`ort: ${what} expects dtype ${node.dtype}, got ${value.dtype} (${value.data.constructor.name})`);
  }
  if (value.shape.length !== node.shape.length || value.shape.some((d, i) => d !== node.shape[i])) {
    throw new Error(`ort: ${what} expects shape ${fmt(node.shape)}, got ${fmt(value.shape)}`);
  }
  return value;
}

/**
 * Session config that turns off ORT's common-subexpression elimination. A gradient-checkpointed
 * graph recomputes its segments in the backward pass on purpose; CSE would merge each recomputed
 * node with its forward twin and keep the activations alive after all (measured: no memory saved).
 */
const WITHOUT_CSE = { optimization: { disable_specified_optimizers: 'CommonSubexpressionElimination' } };

/** Whether the graph holds checkpoint segments (forward nodes recomputed by the backward graph). */
const recomputes = (graph: Graph): boolean => graph.nodes.some((n) => n.segment !== null);

/** A graph bound to a (possibly shared) session; parameters are read at each run. */
class OrtProgram implements Program {
  constructor(
    readonly graph: Graph,
    private readonly model: Promise<CompiledModel>,
    /** The session cache's key for it. */
    readonly signature: string,
  ) {}

  async run(feeds: Feeds = {}): Promise<HostTensor[]> {
    const { session, paramNames, outputNames, outputSlots } = await this.model;
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const input of this.graph.inputs) {
      const { name } = input.attrs;
      const value = checkFeed(`input "${name}"`, input, feeds[name]);
      ortFeeds[name] = toOrtTensor(value.dtype, value.shape, value.data);
    }
    this.graph.params.forEach((node, k) => {
      const p = node.attrs.param;
      // Read now, not at compile time: optimizers update `data` in place and checkpoints replace `value`.
      const value = checkFeed(`parameter ${p.name || `#${p.id}`}`, node, p.value);
      ortFeeds[paramNames[k]] = toOrtTensor(value.dtype, value.shape, value.data);
    });
    const results = await session.run(ortFeeds, outputNames);
    const seen = new Set<number>();
    return outputSlots.map((slot, i) => {
      const host = fromOrtTensor(this.graph.outputs[i].dtype, results[outputNames[slot]]);
      // A node listed twice comes back as two tensors, so writing to one cannot change the other.
      if (seen.has(slot)) return new HostTensor(host.dtype, host.shape, host.data.slice());
      seen.add(slot);
      return host;
    });
  }
}

/**
 * Runs graphs on onnxruntime-node: each distinct graph signature is lowered to an ONNX model once
 * and gets one InferenceSession, which every later trace with an equal signature reuses.
 */
export class OrtExecutor implements Executor {
  readonly name = 'ort';
  /** Sessions this executor has created (a re-traced training step must not add one). */
  sessionsCreated = 0;
  private readonly sessions = new Map<string, Promise<CompiledModel>>();
  private readonly sessionOptions: InferenceSession.SessionOptions;

  constructor(options: OrtExecutorOptions = {}) {
    this.sessionOptions = {
      executionProviders: options.executionProviders ?? ['cpu'],
      graphOptimizationLevel: options.optimizationLevel ?? 'all',
      // Ranks of a job on one machine share its cores instead of each taking all of them.
      intraOpNumThreads: options.threads ?? threadsPerRank(),
      // One step is one dependency chain; parallel node scheduling only adds contention.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableMemPattern: options.memoryPattern ?? false,
      logSeverityLevel: 3,
    };
  }

  compile(outputs: readonly (Tensor | Node)[]): Program {
    const graph = new Graph(outputNodes(outputs));
    const signature = graph.signature();
    let model = this.sessions.get(signature);
    if (!model) {
      const created = this.createSession(lowerGraph(graph), recomputes(graph));
      // Failures surface from run(); dropping the entry lets a later compile retry, and handling
      // the rejection here keeps a compile that is never run from being an unhandled rejection.
      created.catch(() => {
        if (this.sessions.get(signature) === created) this.sessions.delete(signature);
      });
      this.sessions.set(signature, created);
      model = created;
    }
    return new OrtProgram(graph, model, signature);
  }

  async release(programs: readonly Program[]): Promise<void> {
    const signatures = new Set(programs.filter((p): p is OrtProgram => p instanceof OrtProgram).map((p) => p.signature));
    const models = [...signatures].flatMap((s) => {
      const model = this.sessions.get(s);
      this.sessions.delete(s);
      return model ? [model] : [];
    });
    const settled = await Promise.allSettled(models);
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.session.release() : undefined)));
  }

  private async createSession({ bytes, ...names }: LoweredModel, keepRecomputation: boolean): Promise<CompiledModel> {
    this.sessionsCreated++;
    const options = keepRecomputation ? { ...this.sessionOptions, extra: WITHOUT_CSE } : this.sessionOptions;
    return { session: await InferenceSession.create(bytes, options), ...names };
  }

  async dispose(): Promise<void> {
    const models = [...this.sessions.values()];
    this.sessions.clear();
    const settled = await Promise.allSettled(models);
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.session.release() : undefined)));
  }
}
