import { numel } from '../../dtype.js';
import { HostTensor } from '../../host-tensor.js';
import { Graph } from '../../ir/graph.js';
import { decomposeComposites } from '../../tensor/decompose-composites.js';
import type { Node } from '../../ir/node.js';
import type { Parameter } from '../../ir/parameter.js';
import type { Tensor } from '../../tensor/tensor.js';
import { type Executor, type Feeds, type Program, outputNodes } from '../executor.interface.js';
import { runKernel } from './reference.kernels.js';
import {
  type Precision,
  type RefValue,
  coerceData,
  fromHostTensor,
  normalizeInPlace,
  sameShape,
  toHostTensor,
  typeLabel,
} from './reference.values.js';

export interface RunValuesOptions {
  /** Values used instead of a parameter's data (same element count), e.g. perturbed copies in a gradient check. */
  paramOverrides?: Map<Parameter, Float64Array>;
}

/**
 * The test oracle: plain TypeScript kernels, one node at a time. Composite ops run through their
 * decompositions, so the decompositions themselves are what this executor checks.
 */
export class ReferenceExecutor implements Executor {
  readonly name = 'reference';
  readonly precision: Precision;

  constructor(opts: { precision?: Precision } = {}) {
    this.precision = opts.precision ?? 'f32';
  }

  compile(outputs: readonly (Tensor | Node)[]): ReferenceProgram {
    return new ReferenceProgram(outputNodes(outputs), this.precision);
  }

  async dispose(): Promise<void> {}
}

export class ReferenceProgram implements Program {
  /** The graph that runs: composites already replaced by primitives (leaves are the traced nodes). */
  readonly graph: Graph;
  private readonly inputIndex: number[][];
  /** For each step, the values whose last consumer it is (dropped right after it runs). */
  private readonly release: number[][];
  private readonly outputIndex: number[];

  constructor(
    outputs: readonly Node[],
    readonly precision: Precision,
  ) {
    this.graph = new Graph(decomposeComposites(outputs));
    const { nodes } = this.graph;
    const position = new Map(nodes.map((n, i) => [n, i]));
    this.inputIndex = nodes.map((n) => n.inputs.map((x) => position.get(x)!));
    this.outputIndex = this.graph.outputs.map((o) => position.get(o)!);
    const lastUse = new Map<number, number>();
    this.inputIndex.forEach((ins, step) => ins.forEach((i) => lastUse.set(i, step)));
    for (const o of this.outputIndex) lastUse.delete(o);
    this.release = nodes.map(() => []);
    for (const [value, step] of lastUse) this.release[step].push(value);
  }

  async run(feeds: Feeds = {}): Promise<HostTensor[]> {
    return this.runValues(feeds).map(toHostTensor);
  }

  /**
   * Runs synchronously and returns the raw values (Float64Array floats in 'f64' precision). Values
   * read from f32 parameters in 'f32' precision share their storage: do not write into them.
   */
  runValues(feeds: Record<string, HostTensor | RefValue> = {}, opts: RunValuesOptions = {}): RefValue[] {
    const { nodes } = this.graph;
    const values: (RefValue | undefined)[] = new Array(nodes.length);
    for (let step = 0; step < nodes.length; step++) {
      const node = nodes[step];
      values[step] = this.evaluate(
        node,
        this.inputIndex[step].map((i) => values[i]!),
        feeds,
        opts,
      );
      for (const i of this.release[step]) values[i] = undefined;
    }
    return this.outputIndex.map((i) => values[i]!);
  }

  private evaluate(node: Node, inputs: RefValue[], feeds: Record<string, HostTensor | RefValue>, opts: RunValuesOptions): RefValue {
    switch (node.op) {
      case 'input':
        return this.readInput(node as Node<'input'>, feeds);
      case 'param':
        return this.readParam(node as Node<'param'>, opts.paramOverrides);
      case 'const':
        return fromHostTensor((node as Node<'const'>).attrs.value, this.precision);
      default: {
        const out = runKernel(node, inputs, this.precision);
        normalizeInPlace(out, this.precision);
        return out;
      }
    }
  }

  private readInput(node: Node<'input'>, feeds: Record<string, HostTensor | RefValue>): RefValue {
    const name = node.attrs.name;
    const feed = feeds[name];
    if (!feed) throw new Error(`reference executor: missing feed for input "${name}" (${typeLabel(node.dtype, node.shape)})`);
    if (feed.dtype !== node.dtype || !sameShape(feed.shape, node.shape)) {
      throw new Error(
        `reference executor: input "${name}" expects ${typeLabel(node.dtype, node.shape)}, got ${typeLabel(feed.dtype, feed.shape)}`,
      );
    }
    if (feed instanceof HostTensor) return fromHostTensor(feed, this.precision);
    return { dtype: feed.dtype, shape: [...feed.shape], data: coerceData(feed.dtype, feed.data, this.precision) };
  }

  private readParam(node: Node<'param'>, overrides: Map<Parameter, Float64Array> | undefined): RefValue {
    const p = node.attrs.param;
    const label = `parameter "${p.name || `#${p.id}`}"`;
    if (p.dtype !== node.dtype || !sameShape(p.shape, node.shape)) {
      throw new Error(`reference executor: ${label} is ${typeLabel(p.dtype, p.shape)} but was traced as ${typeLabel(node.dtype, node.shape)}`);
    }
    const override = overrides?.get(p);
    if (!override) return fromHostTensor(p.value, this.precision);
    if (override.length !== numel(node.shape)) {
      throw new Error(`reference executor: override for ${label} has ${override.length} values, expected ${numel(node.shape)}`);
    }
    return { dtype: node.dtype, shape: [...node.shape], data: coerceData(node.dtype, override, this.precision) };
  }
}
