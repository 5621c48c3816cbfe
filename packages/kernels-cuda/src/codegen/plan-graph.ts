import { Graph, HostTensor, type Node, type Op, type OpAttrs, type Tensor, decomposeComposites, numel } from '@tunekit/core';
import type { KernelPlan } from '../plan/kernel-plan.types.js';
import { COMPOSITE_LOWERINGS, HAND_WRITTEN } from './composite.lowering.js';
import { isElementwise } from './elementwise.ops.js';
import { type LowerContext, copyKernel, fusedKernel, reduceKernel } from './generated.kernels.js';
import { gatherKernel, scatterAddKernel, takeAlongAxisKernel, topkKernel } from './indexing.kernels.js';
import { isLastTwoSwap, matmulLowering } from './matmul.lowering.js';
import { PlanBuilder } from './plan-builder.js';

type Lower = (ctx: PlanContext, node: Node, label: string) => void;

interface PlanContext extends LowerContext {
  readonly absorbed: (node: Node) => boolean;
}

/** Movement ops computed as index mappings, inlinable into their consumer's kernel. */
const MAPPED = new Set<Op>(['reshape', 'permute', 'slice', 'expand', 'split', 'pad', 'concat']);
/** Consumers besides elementwise ops whose kernels evaluate an inlined producer per element (pad and concat read theirs conditionally, so not them). */
const TAKES_INLINED = new Set<Op>(['reshape', 'permute', 'slice', 'expand', 'split', 'sum', 'mean', 'max', 'logsumexp']);

/** Whether `user`'s kernel evaluates its inputs per element (so a producer can be inlined into it). */
function evaluatesInline(user: Node, inlined: ReadonlySet<Node>): boolean {
  // A reshape or identity that is not itself inlined aliases its input, which must then be a buffer.
  const aliasRoot = (user.op === 'reshape' || user.op === 'stop_gradient') && !inlined.has(user);
  return (isElementwise(user.op) || TAKES_INLINED.has(user.op)) && !aliasRoot;
}

const leaf = (role: 'input' | 'param' | 'const'): Lower => (ctx, node) => {
  const b = ctx.builder;
  if (role === 'input') b.bind(node, b.newBuffer(node.dtype, node.shape, 'input', { inputName: (node.attrs as { name: string }).name }));
  else if (role === 'param') b.bind(node, b.newBuffer(node.dtype, node.shape, 'param', { param: (node.attrs as { param: never }).param }));
  else {
    const { data } = (node.attrs as { value: { data: ArrayBufferView } }).value;
    b.bind(node, b.newBuffer(node.dtype, node.shape, 'const', { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice() }));
  }
};

/** `range` has its bounds at plan time (a plan's sizes are the traced ones): a constant buffer. */
const range: Lower = (ctx, node) => {
  const { start } = node.attrs as OpAttrs<'range'>;
  const { data } = HostTensor.i64(node.shape, Array.from({ length: node.shape[0] }, (_, i) => start + i));
  ctx.builder.bind(node, ctx.builder.newBuffer(node.dtype, node.shape, 'const', { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) }));
};

/** A materialised elementwise or movement node: one fused kernel, or an alias where no data moves. */
const fused: Lower = (ctx, node, label) => fusedKernel(ctx, node, label);
const alias: Lower = (ctx, node, label) => (ctx.inlined(node.inputs[0]) ? fusedKernel(ctx, node, label) : ctx.builder.aliasFor(node, ctx.builder.bufferOf(node.inputs[0])));
const composite = (op: keyof typeof COMPOSITE_LOWERINGS): Lower => (ctx, node, label) => COMPOSITE_LOWERINGS[op](ctx, node, label);

/** How each op becomes plan steps. Typed over every op: a new IR op does not compile until it is planned. */
const LOWERINGS: Record<Op, Lower> = {
  input: leaf('input'),
  param: leaf('param'),
  const: leaf('const'),
  ...(Object.fromEntries(['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'tanh', 'sigmoid', 'relu', 'gelu', 'silu', 'erf', 'sin', 'cos', 'not', 'cast'].map((o) => [o, fused])) as Record<
    'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'tanh' | 'sigmoid' | 'relu' | 'gelu' | 'silu' | 'erf' | 'sin' | 'cos' | 'not' | 'cast',
    Lower
  >),
  stop_gradient: alias,
  ...(Object.fromEntries(['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or', 'where'].map((o) => [o, fused])) as Record<
    'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or' | 'where',
    Lower
  >),
  sum: (ctx, node, label) => reduceKernel(ctx, node as Node<'sum'>, label),
  mean: (ctx, node, label) => reduceKernel(ctx, node as Node<'mean'>, label),
  max: (ctx, node, label) => reduceKernel(ctx, node as Node<'max'>, label),
  logsumexp: (ctx, node, label) => reduceKernel(ctx, node as Node<'logsumexp'>, label),
  reshape: alias,
  permute: fused,
  slice: fused,
  concat: fused,
  expand: fused,
  pad: fused,
  split: fused,
  gather: (ctx, node, label) => gatherKernel(ctx, node as Node<'gather'>, label),
  take_along_axis: (ctx, node, label) => takeAlongAxisKernel(ctx, node as Node<'take_along_axis'>, label),
  scatter_add: (ctx, node, label) => scatterAddKernel(ctx, node as Node<'scatter_add'>, label),
  topk: (ctx, node, label) => topkKernel(ctx, node as Node<'topk'>, label),
  range,
  matmul: (ctx, node, label) => matmulLowering(ctx, node, label, ctx.absorbed),
  softmax: composite('softmax'),
  log_softmax: composite('log_softmax'),
  rms_norm: composite('rms_norm'),
  layer_norm: composite('layer_norm'),
  rotary: composite('rotary'),
  attention: composite('attention'),
  cross_entropy: composite('cross_entropy'),
  matmul_4bit: composite('matmul_4bit'),
  // No hand-written kernel takes it (HAND_WRITTEN has none), so its decomposition is planned instead.
  matmul_nbits: (_ctx, node) => {
    throw new Error(`plan-graph: ${node.op} should have been decomposed before planning`);
  },
};

/**
 * Plans a traced graph for the CUDA runtime: composites the hand-written kernels take stay whole
 * (the rest become core's decompositions), single-consumer elementwise and index-mapping chains
 * fuse into their consumer's kernel, reshapes alias, matmuls become cuBLASLt gemms. Deterministic:
 * the same graph gives the same plan, names and sources (nodes are named by graph position).
 */
export function planGraph(outputs: readonly (Tensor | Node)[]): KernelPlan {
  const roots = outputs.map((o) => ('node' in o ? o.node : o));
  const graph = new Graph(decomposeComposites(roots, (op, node) => HAND_WRITTEN[op]?.(node) ?? false));
  const position = new Map(graph.nodes.map((n, i) => [n, i]));
  const consumers = new Map<Node, Node[]>(graph.nodes.map((n) => [n, []]));
  for (const n of graph.nodes) for (const x of n.inputs) consumers.get(x)!.push(n);
  const isOutput = new Set(graph.outputs);

  // A permute feeding only matmuls as their last-two-axes transpose is read in place (transA/transB).
  const absorbed = new Set(graph.nodes.filter((n) => isLastTwoSwap(n) && !isOutput.has(n) && consumers.get(n)!.every((c) => c.op === 'matmul')));
  // Consumers first: a node is inlined when its one consumer is itself computed in a kernel that evaluates it per element.
  const inlined = new Set<Node>();
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    const users = consumers.get(n)!;
    // A scalar constant becomes a literal in every kernel that evaluates it.
    if (n.op === 'const' && numel(n.shape) === 1 && !isOutput.has(n) && users.every((u) => evaluatesInline(u, inlined))) {
      inlined.add(n);
      continue;
    }
    if (isOutput.has(n) || users.length !== 1 || !(isElementwise(n.op) || MAPPED.has(n.op))) continue;
    const [user] = users;
    if (absorbed.has(user)) continue;
    if (evaluatesInline(user, inlined)) inlined.add(n);
  }

  const builder = new PlanBuilder(position);
  const ctx: PlanContext = { builder, inlined: (n) => inlined.has(n), absorbed: (n) => absorbed.has(n) };
  for (const node of graph.nodes) {
    if (inlined.has(node) || absorbed.has(node)) continue;
    const label = builder.label(node);
    LOWERINGS[node.op](ctx, node, label);
  }

  // Every output is a buffer a step writes, once: fed, bound, aliased or repeated ones get a copy.
  const taken = new Set<number>();
  const outs = graph.outputs.map((node) => {
    let id = builder.bufferOf(node);
    if (!builder.isComputed(id) || taken.has(id) || numel(node.shape) === 0) id = copyKernel(builder, id, node.dtype, node.shape, `${builder.label(node)}.output`);
    taken.add(id);
    return id;
  });
  return builder.finish(outs);
}
