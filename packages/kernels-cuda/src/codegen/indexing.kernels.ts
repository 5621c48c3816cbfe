import { type Node, type OpAttrs, contiguousStrides, numel } from '@tunekit/core';
import { COMPUTE_C_TYPE, loadExpr, storeStmt } from './cuda-prelude.js';
import { type LowerContext, blockFor, gridFor, kernelSource } from './generated.kernels.js';
import { bufferArg } from './plan-builder.js';
import { ValueEmitter, dot } from './value.emitter.js';

/**
 * An element-per-thread kernel over `node`'s output whose body `write` builds from the output
 * coordinates. Inputs are read from their buffers (indexing ops never inline their producers).
 * An index outside its axis traps: the launch fails rather than reading out of bounds.
 */
function elementKernel(ctx: LowerContext, node: Node, label: string, write: (e: ValueEmitter, c: string[], out: string) => string[]): void {
  const { builder } = ctx;
  const e = new ValueEmitter(() => false, (n) => builder.bufferOf(n));
  const outBuf = builder.bufferFor(node);
  const out = e.param(outBuf, node.dtype, true);
  const c = e.coords('i', node.shape);
  const tail = write(e, c, out);
  const n = numel(node.shape);
  const entry = `k${builder.steps.length}_${node.op}`;
  const body = [
    `  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < ${n}LL; i += (long long)blockDim.x * gridDim.x) {`,
    ...[...e.lines, ...tail].map((l) => `    ${l}`),
    '  }',
  ].join('\n');
  const block = blockFor(n);
  const params = [...e.params.filter((p) => !p.write), ...e.params.filter((p) => p.write)];
  e.params.splice(0, e.params.length, ...params);
  builder.kernel(
    { label, source: kernelSource(entry, e.signature(), body), entry, grid: [gridFor(n, block), 1, 1], block: [block, 1, 1], sharedBytes: 0, args: params.map((p) => bufferArg(p.buffer)) },
    [outBuf],
  );
}

/** Reads index `at` of `indices` and checks it against `size`. */
function readIndex(e: ValueEmitter, indices: Node, at: string, size: number): [string, string[]] {
  const name = e.fresh('ix');
  const p = e.param(e.bufferIndex(indices), indices.dtype);
  return [name, [`const long long ${name} = (long long)${p}[${at}];`, `if (${name} < 0 || ${name} >= ${size}LL) __trap();`]];
}

export function gatherKernel(ctx: LowerContext, node: Node<'gather'>, label: string): void {
  const [data, indices] = node.inputs;
  const { axis } = node.attrs as OpAttrs<'gather'>;
  const ir = indices.shape.length;
  elementKernel(ctx, node, label, (e, c, out) => {
    const [ix, check] = readIndex(e, indices, dot(c.slice(axis, axis + ir), contiguousStrides(indices.shape)), data.shape[axis]);
    const dc = [...c.slice(0, axis), ix, ...c.slice(axis + ir)];
    const v = loadExpr(data.dtype, e.param(ctx.builder.bufferOf(data), data.dtype), dot(dc, contiguousStrides(data.shape)));
    return [...check, storeStmt(node.dtype, out, 'i', v)];
  });
}

export function takeAlongAxisKernel(ctx: LowerContext, node: Node<'take_along_axis'>, label: string): void {
  const [data, indices] = node.inputs;
  const { axis } = node.attrs as OpAttrs<'take_along_axis'>;
  elementKernel(ctx, node, label, (e, c, out) => {
    const [ix, check] = readIndex(e, indices, 'i', data.shape[axis]);
    const dc = c.map((ck, k) => (k === axis ? ix : ck));
    const v = loadExpr(data.dtype, e.param(ctx.builder.bufferOf(data), data.dtype), dot(dc, contiguousStrides(data.shape)));
    return [...check, storeStmt(node.dtype, out, 'i', v)];
  });
}

/**
 * out = base, plus every update whose index lands here. Each output element gathers its own
 * updates (a loop along the axis) instead of scattering with atomics: deterministic, and it works
 * for i8/u8, which have no atomic add.
 */
export function scatterAddKernel(ctx: LowerContext, node: Node<'scatter_add'>, label: string): void {
  const [base, indices, updates] = node.inputs;
  const { axis } = node.attrs as OpAttrs<'scatter_add'>;
  const t = COMPUTE_C_TYPE[node.dtype];
  elementKernel(ctx, node, label, (e, c, out) => {
    const b = e.param(ctx.builder.bufferOf(base), base.dtype);
    const ip = e.param(ctx.builder.bufferOf(indices), indices.dtype);
    const up = e.param(ctx.builder.bufferOf(updates), updates.dtype);
    const window = c.flatMap((ck, k) => (k === axis || updates.shape[k] === node.shape[k] ? [] : [`${ck} < ${updates.shape[k]}LL`]));
    const us = contiguousStrides(updates.shape);
    const at = dot(c.map((ck, k) => (k === axis ? 'u' : ck)), us);
    return [
      `${t} acc = ${loadExpr(base.dtype, b, 'i')};`,
      `if (${window.length ? window.join(' && ') : 'true'}) {`,
      `  for (long long u = 0; u < ${updates.shape[axis]}LL; u++) {`,
      `    const long long at = ${at};`,
      `    const long long ix = (long long)${ip}[at];`,
      `    if (ix < 0 || ix >= ${node.shape[axis]}LL) __trap();`,
      `    if (ix == ${c[axis]}) acc = (${t})(acc + ${loadExpr(updates.dtype, up, 'at')});`,
      '  }',
      '}',
      storeStmt(node.dtype, out, 'i', 'acc'),
    ];
  });
}

/**
 * topk by rank: each element of the output's row position t scans the row and picks the element
 * whose rank (how many come before it: larger, NaN first, ties by lower index, as torch.topk) is t.
 */
export function topkKernel(ctx: LowerContext, node: Node<'topk'>, label: string): void {
  const x = node.inputs[0];
  const { axis, index } = node.attrs as OpAttrs<'topk'>;
  const len = x.shape[axis];
  const stride = contiguousStrides(x.shape)[axis];
  const float = x.dtype === 'f32' || x.dtype === 'bf16' || x.dtype === 'f16';
  const t = COMPUTE_C_TYPE[x.dtype];
  const before = float ? '(tk_isnan(b) && !tk_isnan(a)) || (!tk_isnan(a) && !tk_isnan(b) && b > a) || ((b == a || (tk_isnan(a) && tk_isnan(b))) && q < p)' : '(b > a) || (b == a && q < p)';
  elementKernel(ctx, node, label, (e, c, out) => {
    const xp = e.param(ctx.builder.bufferOf(x), x.dtype);
    const row = dot(c.map((ck, k) => (k === axis ? '0' : ck)), contiguousStrides(x.shape));
    const ld = (j: string): string => loadExpr(x.dtype, xp, `row + ${j} * ${stride}LL`);
    return [
      `const long long row = ${row};`,
      'long long pick = 0;',
      `for (long long p = 0; p < ${len}LL; p++) {`,
      `  const ${t} a = ${ld('p')};`,
      '  long long rank = 0;',
      `  for (long long q = 0; q < ${len}LL; q++) { const ${t} b = ${ld('q')}; if (${before}) rank++; }`,
      `  if (rank == ${c[axis]}) { pick = p; break; }`,
      '}',
      storeStmt(node.dtype, out, 'i', index === 0 ? ld('pick') : 'pick'),
    ];
  });
}
