import { type DType, type Node, type OpAttrs, contiguousStrides, numel } from '@tunekit/core';
import { CUDA_PRELUDE, STORAGE_C_TYPE, narrowExpr, storeStmt } from './cuda-prelude.js';
import { type PlanBuilder, bufferArg } from './plan-builder.js';
import { ValueEmitter } from './value.emitter.js';

/** What the lowerings need from the planner: where values live and which producers are inlined. */
export interface LowerContext {
  readonly builder: PlanBuilder;
  readonly inlined: (node: Node) => boolean;
}

/** Threads per block for an element loop over `n` elements: a warp multiple, at most 256. */
export const blockFor = (n: number): number => Math.min(256, Math.max(32, Math.ceil(n / 32) * 32));
/** Blocks for a grid-stride loop: enough to cover `n`, capped (the loop strides past the cap). */
export const gridFor = (n: number, block: number): number => Math.max(1, Math.min(65535, Math.ceil(n / block)));

const indent = (lines: readonly string[], pad: string): string => lines.map((l) => pad + l).join('\n');

/** A kernel source: the prelude, then one entry whose body `body` writes. */
export function kernelSource(entry: string, signature: string, body: string): string {
  return `${CUDA_PRELUDE}\nextern "C" __global__ void ${entry}(${signature}) {\n${body}\n}\n`;
}

/** The emitter for a kernel whose root is `root` (always computed here) and whose other nodes are inlined or loaded. */
export function emitterFor(ctx: LowerContext, root: Node): ValueEmitter {
  return new ValueEmitter((n) => n === root || ctx.inlined(n), (n) => ctx.builder.bufferOf(n));
}

/**
 * One element-per-thread kernel computing `root` and every producer inlined into it: a fused
 * elementwise/broadcast/index-mapping chain. Writes a fresh buffer for `root`.
 */
export function fusedKernel(ctx: LowerContext, root: Node, label: string): void {
  const { builder } = ctx;
  const e = emitterFor(ctx, root);
  const v = e.value(root, 'i');
  const out = builder.bufferFor(root);
  const o = e.param(out, root.dtype, true);
  const n = numel(root.shape);
  const entry = `k${builder.steps.length}_${root.op}`;
  const body = [
    `  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < ${n}LL; i += (long long)blockDim.x * gridDim.x) {`,
    indent(e.lines, '    '),
    `    ${storeStmt(root.dtype, o, 'i', v)}`,
    '  }',
  ].join('\n');
  const block = blockFor(n);
  builder.kernel(
    { label, source: kernelSource(entry, e.signature(), body), entry, grid: [gridFor(n, block), 1, 1], block: [block, 1, 1], sharedBytes: 0, args: e.params.map((p) => bufferArg(p.buffer)) },
    [out],
  );
}

/** A byte-exact copy (an output that is a fed, bound or aliased buffer gets its own output buffer). */
export function copyKernel(builder: PlanBuilder, from: number, dtype: DType, shape: readonly number[], label: string): number {
  const out = builder.newBuffer(dtype, shape, 'temp');
  const t = STORAGE_C_TYPE[dtype];
  const entry = `tk_copy_${t.replace(/ /g, '_')}`;
  const n = numel(shape);
  const body = `  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) out[i] = in[i];`;
  const block = blockFor(n);
  builder.kernel(
    { label, source: kernelSource(entry, `const ${t}* __restrict__ in, ${t}* __restrict__ out, long long n`, body), entry, grid: [gridFor(n, block), 1, 1], block: [block, 1, 1], sharedBytes: 0, args: [bufferArg(from), bufferArg(out), { kind: 'i64', value: BigInt(n) }] },
    [out],
  );
  return out;
}

type ReduceOp = 'sum' | 'mean' | 'max' | 'logsumexp';

/**
 * One block per output element: each thread folds a strided share of the reduced elements (with
 * the input's inlined producer chain evaluated on the fly), then a shared-memory tree combines
 * them. logsumexp makes two passes (max, then Σ exp(x - max)).
 */
export function reduceKernel(ctx: LowerContext, node: Node<ReduceOp>, label: string): void {
  const { builder } = ctx;
  const x = node.inputs[0];
  const { axes } = node.attrs as OpAttrs<ReduceOp>;
  const all = axes.length === 0;
  const strides = contiguousStrides(x.shape);
  const kept = x.shape.map((_, k) => k).filter((k) => !all && !axes.includes(k));
  const red = x.shape.map((_, k) => k).filter((k) => all || axes.includes(k));
  const outCount = numel(node.shape);
  const r = numel(red.map((k) => x.shape[k]));
  const float = node.dtype === 'f32' || node.dtype === 'bf16' || node.dtype === 'f16';
  const acc = float ? 'float' : 'long long';
  const isMax = node.op === 'max';
  const init = isMax ? (float ? '(-tk_inf())' : '(-9223372036854775807LL - 1)') : float ? '0.f' : '0LL';
  const combine = (a: string, b: string): string => (isMax ? (float ? `tk_fmax(${a}, ${b})` : `(${a} > ${b} ? ${a} : ${b})`) : `${a} + ${b}`);

  const e = new ValueEmitter((n) => ctx.inlined(n), (n) => builder.bufferOf(n));
  const out = builder.bufferFor(node);
  const base = e.coordsIndex('o', kept.map((k) => x.shape[k]), kept.map((k) => strides[k]));
  const head = e.lines.splice(0);
  /** The loop over this thread's reduced elements, folding `fold(acc, v)` into `name`. */
  const pass = (name: string, start: string, fold: (v: string) => string): string => {
    e.resetScope();
    const at = e.coordsIndex('r', red.map((k) => x.shape[k]), red.map((k) => strides[k]));
    const v = e.value(x, base === '0' ? at : `${base} + ${at}`);
    const body = e.lines.splice(0);
    return [
      `  ${acc} ${name} = ${start};`,
      `  for (long long r = threadIdx.x; r < ${r}LL; r += blockDim.x) {`,
      indent(body, '    '),
      `    ${name} = ${fold(v)};`,
      '  }',
    ].join('\n');
  };
  const tree = (name: string, comb: (a: string, b: string) => string): string =>
    [
      `  tk_red[threadIdx.x] = ${name};`,
      '  __syncthreads();',
      '  for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {',
      `    if (threadIdx.x < s) tk_red[threadIdx.x] = ${comb('tk_red[threadIdx.x]', 'tk_red[threadIdx.x + s]')};`,
      '    __syncthreads();',
      '  }',
      `  ${name} = tk_red[0];`,
      '  __syncthreads();',
    ].join('\n');
  const block = Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(r, 1)))));
  const lines = [`  __shared__ ${acc} tk_red[${block}];`, '  const long long o = blockIdx.x;', indent(head, '  ')];
  if (node.op === 'logsumexp') {
    lines.push(pass('m', '(-tk_inf())', (v) => `tk_fmax(m, ${v})`), tree('m', (a, b) => `tk_fmax(${a}, ${b})`));
    // An all -inf (or +inf, or NaN) max is the answer itself; exp(x - m) would be NaN.
    lines.push(pass('s', '0.f', (v) => `s + expf(${v} - m)`), tree('s', (a, b) => `${a} + ${b}`));
    lines.push(`  const float res = (m - m == 0.f) ? m + logf(s) : m;`);
  } else {
    lines.push(pass('a', init, (v) => combine('a', v)), tree('a', combine));
    lines.push(`  const ${acc} res = ${node.op === 'mean' ? `a / ${r}.f` : 'a'};`);
  }
  const o = e.param(out, node.dtype, true);
  lines.push(`  if (threadIdx.x == 0) { ${storeStmt(node.dtype, o, 'o', narrowExpr(node.dtype, 'res'))} }`);
  const entry = `k${builder.steps.length}_${node.op}`;
  builder.kernel(
    { label, source: kernelSource(entry, e.signature(), lines.join('\n')), entry, grid: [outCount, 1, 1], block: [block, 1, 1], sharedBytes: 0, args: e.params.map((p) => bufferArg(p.buffer)) },
    [out],
  );
}

