import type { HostTensor } from '../host-tensor.js';
import { createHash } from 'node:crypto';
import { Node } from './node.js';

/** Nodes reachable from `outputs`, inputs before users (iterative: graphs can be deep). */
export function topoSort(outputs: readonly Node[]): Node[] {
  const order: Node[] = [];
  const state = new Map<Node, 1 | 2>();
  const stack: [Node, number][] = outputs.map((n) => [n, 0]);
  stack.reverse();
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, next] = top;
    if (next === 0) {
      if (state.get(node) === 2) {
        stack.pop();
        continue;
      }
      state.set(node, 1);
    }
    if (next < node.inputs.length) {
      top[1]++;
      const child = node.inputs[next];
      if (!state.has(child)) stack.push([child, 0]);
      continue;
    }
    stack.pop();
    if (state.get(node) !== 2) {
      state.set(node, 2);
      order.push(node);
    }
  }
  return order;
}

/** A traced program: its outputs, every node in execution order, and its free inputs. */
export class Graph {
  readonly nodes: Node[];
  readonly inputs: Node<'input'>[];
  readonly params: Node<'param'>[];

  constructor(readonly outputs: readonly Node[]) {
    this.nodes = topoSort(outputs);
    this.inputs = this.nodes.filter((n): n is Node<'input'> => n.op === 'input');
    this.params = this.nodes.filter((n): n is Node<'param'> => n.op === 'param');
    const names = new Set<string>();
    for (const n of this.inputs) {
      if (names.has(n.attrs.name)) throw new Error(`graph has two inputs named "${n.attrs.name}"`);
      names.add(n.attrs.name);
    }
  }

  /**
   * A string that is equal for two graphs exactly when one compiled program can run both:
   * same ops, attributes, shapes, dtypes and wiring; parameters by position, constants by value.
   */
  signature(): string {
    const index = new Map<Node, number>();
    const parts: string[] = [];
    this.nodes.forEach((n, i) => {
      index.set(n, i);
      parts.push(`${n.op}:${n.dtype}[${n.shape}](${n.inputs.map((x) => index.get(x)).join(',')})${attrKey(n)}`);
    });
    parts.push(`out:${this.outputs.map((o) => index.get(o)).join(',')}`);
    return parts.join(';');
  }
}

/** Hashes of constants whose owner promised never to change them (`markImmutable`), kept with them. */
const immutableHashes = new WeakMap<HostTensor, string | null>();

/**
 * Promises that `value`'s data will never change, so graphs holding it as a constant hash it once:
 * rounded weights baked into every program of a rollout are 135 MB, which took 0.1 s a compile.
 */
export function markImmutable(value: HostTensor): void {
  if (!immutableHashes.has(value)) immutableHashes.set(value, null);
}

function hashOf(value: HostTensor): string {
  const known = immutableHashes.get(value);
  if (known) return known;
  const { data } = value;
  const hash = createHash('sha1').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('base64');
  if (known === null) immutableHashes.set(value, hash);
  return hash;
}

function attrKey(n: Node): string {
  if (n.op === 'param') return '';
  // Hash the bytes: a causal mask at 2k tokens is 4 MB, far too long to spell out every step.
  if (n.op === 'const') return `=${hashOf((n as Node<'const'>).attrs.value)}`;
  return JSON.stringify(n.attrs);
}

/**
 * Rebuilds the graph below `outputs`, letting `visit` replace any node given its (rebuilt) inputs.
 * Returning undefined keeps the node (re-made only when an input changed).
 */
export function rewrite(outputs: readonly Node[], visit: (node: Node, inputs: Node[]) => Node | undefined): Node[] {
  const map = new Map<Node, Node>();
  for (const node of topoSort(outputs)) {
    const inputs = node.inputs.map((x) => map.get(x)!);
    const replaced = visit(node, inputs);
    if (replaced) map.set(node, replaced);
    else if (inputs.every((x, k) => x === node.inputs[k])) map.set(node, node);
    else map.set(node, new Node(node.op, inputs, node.attrs, node.shape, node.dtype, node.scope, node.segment));
  }
  return outputs.map((o) => map.get(o)!);
}
