import type { Node } from '../../ir/node.js';
import type { Op } from '../../ir/ops.js';

/** A size that varies from run to run: `coef` × the product of the named sizes (e.g. batch · sequence). */
export interface SymbolicDim {
  readonly coef: number;
  readonly symbols: readonly string[];
}

export type Dim = number | SymbolicDim;

/** One trace of a program (its nodes in lowering order) and the sizes it was traced with. */
export interface ShapeTrace {
  readonly nodes: readonly Node[];
  readonly sizes: Readonly<Record<string, number>>;
}

/** The attributes that may hold varying sizes: the lowering builds them in the graph from its inputs' shapes. */
const SIZE_ATTRS: Partial<Record<Op, readonly string[]>> = { reshape: ['shape'], expand: ['shape'], slice: ['starts', 'ends'], range: ['start', 'end'] };

/** Every subset of `names` with 1 to `max` members. */
function subsets(names: readonly string[], max: number): string[][] {
  const out: string[][] = [];
  const grow = (from: number, acc: string[]) => {
    if (acc.length) out.push(acc);
    if (acc.length === max) return;
    for (let i = from; i < names.length; i++) grow(i + 1, [...acc, names[i]]);
  };
  grow(0, []);
  return out;
}

const product = (symbols: readonly string[], sizes: Readonly<Record<string, number>>) => symbols.reduce((p, s) => p * sizes[s], 1);

/** The one expression c · ∏ sizes that gives `values` in every trace; a size equal in all traces is fixed. */
function fitDim(values: readonly number[], traces: readonly ShapeTrace[], where: () => string): Dim {
  if (values.every((v) => v === values[0])) return values[0];
  const names = Object.keys(traces[0].sizes);
  const fits = subsets(names, 3).flatMap((symbols) => {
    const coef = values[0] / product(symbols, traces[0].sizes);
    const ok = Number.isInteger(coef) && coef >= 1 && traces.every((t, i) => coef * product(symbols, t.sizes) === values[i]);
    return ok ? [{ coef, symbols }] : [];
  });
  if (fits.length !== 1) {
    const seen = traces.map((t, i) => `${values[i]} at ${JSON.stringify(t.sizes)}`).join(', ');
    throw new Error(`${where()}: a size varies with the inputs (${seen}) but is ${fits.length ? 'ambiguous' : 'not a product of them'}`);
  }
  return fits[0];
}

const bytesOf = (n: Node<'const'>) => {
  const { data } = n.attrs.value;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
};

/** Whether two traced nodes are the same computation, their size attributes aside. */
function sameComputation(a: Node, b: Node): boolean {
  if (a.op !== b.op || a.dtype !== b.dtype || a.inputs.length !== b.inputs.length) return false;
  if (a.op === 'param') return (a as Node<'param'>).attrs.param === (b as Node<'param'>).attrs.param;
  if (a.op === 'const') return String(a.shape) === String(b.shape) && bytesOf(a as Node<'const'>).equals(bytesOf(b as Node<'const'>));
  const rest = (n: Node) => JSON.stringify(n.attrs, (k, v) => (k !== '' && SIZE_ATTRS[n.op]?.includes(k) ? undefined : v));
  return rest(a) === rest(b);
}

/**
 * The sizes of one program that vary at run time (batch, sequence and past lengths), found by
 * tracing it several times with different sizes: a dim or size attribute that differs between the
 * traces is the one product of the named sizes that explains every trace. The traces must be the
 * same computation node for node; a constant or attribute that depends on the sizes is an error
 * naming the node, since the lowered graph could not follow it.
 */
export class DynamicDims {
  private readonly shapes = new Map<Node, Dim[]>();
  private readonly attrs = new Map<Node, Record<string, Dim[]>>();

  constructor(traces: readonly ShapeTrace[]) {
    const [primary] = traces;
    if (traces.length < 2 || traces.some((t) => t.nodes.length !== primary.nodes.length)) {
      throw new Error(`dynamic dims: need at least two traces of the same program (got ${traces.map((t) => t.nodes.length).join(' vs ')} nodes)`);
    }
    primary.nodes.forEach((node, i) => {
      const twins = traces.map((t) => t.nodes[i]);
      const where = () => `${node} in "${node.scope || '(top)'}"`;
      const odd = twins.find((n) => !sameComputation(node, n) || n.rank !== node.rank);
      if (odd) throw new Error(`dynamic dims: ${where()} is not the same computation at other sizes (${odd}); its constants or attributes depend on them`);
      this.shapes.set(node, node.shape.map((_, a) => fitDim(twins.map((n) => n.shape[a]), traces, () => `${where()}, axis ${a}`)));
      const keys = SIZE_ATTRS[node.op] ?? [];
      if (keys.length) {
        // A scalar size (range's bounds) is a list of one.
        const attrOf = (n: Node, k: string) => [(n.attrs as Record<string, number | number[]>)[k]].flat();
        this.attrs.set(node, Object.fromEntries(keys.map((k) => [k, attrOf(node, k).map((_, j) => fitDim(twins.map((n) => attrOf(n, k)[j]), traces, () => `${where()}, ${k}[${j}]`))])));
      }
    });
  }

  /** The node's shape, with the varying dims as expressions. */
  shape(node: Node): readonly Dim[] {
    return this.shapes.get(node) ?? node.shape;
  }

  /** A size attribute (reshape's shape, slice's ends, ...) with its varying entries, or undefined where none varies. */
  attr(node: Node, key: string): readonly Dim[] | undefined {
    const dims = this.attrs.get(node)?.[key];
    return dims?.some((d) => typeof d !== 'number') ? dims : undefined;
  }
}

/** A dim's ONNX dim_param name: the size's own name, or the expression (`2*batch_size`). */
export function dimName(d: Dim): number | string {
  if (typeof d === 'number') return d;
  return [...(d.coef === 1 ? [] : [String(d.coef)]), ...d.symbols].join('*');
}
