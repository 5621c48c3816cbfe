import type { DType } from '../dtype.js';
import type { Op, OpAttrs } from './ops.js';
import { currentScope, currentSegment } from './trace-context.js';
import { inferShape } from './shape-rules.js';

let nextNodeId = 0;

/** One value in the traced graph. Nodes are immutable once made; graphs are the DAGs they span. */
export class Node<O extends Op = Op> {
  readonly id = nextNodeId++;
  /** Module path active when the node was traced (for errors and checkpoint segments). */
  readonly scope: string;
  /** Checkpoint segment id, or null when the node's value is kept for the backward pass. */
  readonly segment: number | null;

  constructor(
    readonly op: O,
    readonly inputs: readonly Node[],
    readonly attrs: OpAttrs<O>,
    readonly shape: readonly number[],
    readonly dtype: DType,
    scope = currentScope(),
    segment = currentSegment(),
  ) {
    this.scope = scope;
    this.segment = segment;
  }

  get rank(): number {
    return this.shape.length;
  }

  toString(): string {
    return `${this.op}#${this.id}:${this.dtype}[${this.shape.join(',')}]`;
  }
}

/** Makes a node after checking its inputs with the op's shape rule. */
export function makeNode<O extends Op>(op: O, inputs: readonly Node[], attrs: OpAttrs<O>): Node<O> {
  const { shape, dtype } = inferShape(op, inputs, attrs);
  return new Node(op, inputs, attrs, shape, dtype);
}
