import type { HostTensor } from '../host-tensor.js';
import type { Graph } from '../ir/graph.js';
import type { Node } from '../ir/node.js';
import type { Tensor } from '../tensor/tensor.js';

export type Feeds = Record<string, HostTensor>;

/** A compiled graph. Parameters are read from their host data at each run, never copied in. */
export interface Program {
  readonly graph: Graph;
  /** Runs the graph; outputs come back in the order they were given to `compile`. */
  run(feeds?: Feeds): Promise<HostTensor[]>;
}

/** Compiles traced graphs into runnable programs (see ARCHITECTURE.md, "Executors"). */
export interface Executor {
  readonly name: string;
  compile(outputs: readonly (Tensor | Node)[]): Program;
  /**
   * Drops the compiled form behind `programs`, which will not run again (a graph with weights
   * baked in as constants, made for one rollout): its native session is released now rather than
   * kept for an equal graph until `dispose`. Absent where compiling keeps nothing worth freeing.
   */
  release?(programs: readonly Program[]): Promise<void>;
  /** Releases cached programs and native resources. */
  dispose(): Promise<void>;
}

export function outputNodes(outputs: readonly (Tensor | Node)[]): Node[] {
  return outputs.map((o) => ('node' in o ? o.node : o));
}
