import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { F, Tensor } from '@tunekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { planGraph } from '../codegen/plan-graph.js';
import { planKernels } from '../emulate/emulated.executor.js';
import { handWrittenKernels } from './kernel-catalog.js';

/** nvcc from PATH or the usual install folders, or the reason there is none (CI has no CUDA toolkit). */
function findNvcc(): { nvcc: string; ptxas: string } | string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/local/cuda/bin']) {
    if (dir && existsSync(join(dir, 'nvcc')) && existsSync(join(dir, 'ptxas'))) return { nvcc: join(dir, 'nvcc'), ptxas: join(dir, 'ptxas') };
  }
  return 'nvcc/ptxas are not on PATH or in /usr/local/cuda/bin (no CUDA toolkit on this machine)';
}

/** Small graphs whose plans use every kind of generated kernel (entries are unique within a plan, not across plans). */
function generatedPlans(): Map<string, string>[] {
  const x = Tensor.input('x', [2, 3, 4]);
  const h = Tensor.input('h', [2, 3, 4], 'bf16');
  const i8 = Tensor.input('i', [2, 3], 'i8');
  const ids = Tensor.input('ids', [2, 2], 'i64');
  const graphs = [
    [x.mul(x.sigmoid()).gelu('tanh').div(x.abs().add(1)).pow(Tensor.fromValues([4], [1, 2, 0.5, 3])).maximum(x.erf())],
    [h.exp().mul(2).cast('f32').logsumexp(-1), h.sum([0, 2], true), x.max(1), x.mean()],
    [i8.add(i8).mul(3).div(i8.abs().add(1)).cast('i64'), i8.lt(2).and(i8.ne(0)).not()],
    [x.permute(2, 0, 1).slice(1, 0, 2).pad([[1, 0], [0, 1], [0, 0]], -1), Tensor.concat([x, x.neg()], 1), x.split([1, 3], 2)[1]],
    [x.reshape(6, 4).gather(0, ids), x.takeAlongAxis(ids.reshape(2, 2, 1).expand(2, 2, 4), 1), x.scatterAdd(1, ids.reshape(2, 2, 1).expand(2, 2, 4), x.slice(1, 0, 2)), ...x.topk(2)],
    [x.reshape(2, 1, 3, 4).matmul(Tensor.input('w', [1, 3, 4, 5])), F.crossEntropy(x.reshape(6, 4), ids.reshape(4).pad([[0, 2]], 0))],
  ];
  return graphs.map((g) => planKernels(planGraph(g)));
}

const run = promisify(execFile);
const tools = findNvcc();
const dir = mkdtempSync(join(tmpdir(), 'tk-nvcc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Every kernel source, each in its own namespace (their preludes repeat), compiled to sm_90 PTX by
 * nvcc and assembled to a cubin by ptxas; ptxas -v reports registers and shared memory per entry.
 */
async function compile(name: string, sources: readonly string[]): Promise<Map<string, string>> {
  if (typeof tools === 'string') throw new Error(tools);
  const unique = [...new Set(sources)];
  const unit = unique
    .map((src, i) => `namespace tk_s${i} {\n${src}\n}\n${[...src.matchAll(/^#define (\w+)/gm)].map((m) => `#undef ${m[1]}`).join('\n')}`)
    .join('\n');
  const cu = join(dir, `${name}.cu`);
  writeFileSync(cu, unit);
  // Async, so the vitest worker keeps answering while nvcc runs.
  await run(tools.nvcc, ['-ptx', '-arch=sm_90', '-o', join(dir, `${name}.ptx`), cu]);
  const { stdout, stderr } = await run(tools.ptxas, ['-arch=sm_90', '-v', '-o', join(dir, `${name}.cubin`), join(dir, `${name}.ptx`)]);
  const report = `${stdout}\n${stderr}`;
  const entries = new Map<string, string>();
  let current = '';
  for (const line of report.split('\n')) {
    const fn = /Compiling entry function '(\w+)'/.exec(line);
    if (fn) current = fn[1];
    const used = /Used (\d+) registers.*?(\d+) bytes smem/.exec(line) ?? /Used (\d+) registers/.exec(line);
    if (used && current) entries.set(current, line.trim().replace(/^ptxas info\s*:\s*/, ''));
  }
  return entries;
}

if (typeof tools === 'string') {
  console.log(`nvcc compile specs skipped: ${tools}`);
  describe.skip(`kernels compiled by nvcc: skipped, ${tools}`, () => it('needs nvcc', () => undefined));
} else {
  describe('kernels compiled by nvcc to sm_90 PTX and assembled by ptxas', () => {
    for (const dtype of ['f32', 'bf16', 'f16'] as const) {
      it(`every hand-written kernel, ${dtype}`, async () => {
        const kernels = handWrittenKernels(dtype);
        const entries = await compile(`hand-${dtype}`, kernels.map((k) => k.source));
        for (const k of kernels) {
          expect(entries.has(k.entry), `${k.entry} in the cubin`).toBe(true);
          console.log(`${k.entry}: ${entries.get(k.entry)}`);
        }
      }, 300_000);
    }

    it('every generated kernel of plans that use each kind', async () => {
      for (const [p, kernels] of generatedPlans().entries()) {
        const entries = await compile(`generated-${p}`, [...kernels.values()]);
        for (const entry of kernels.keys()) {
          expect(entries.has(entry), `${entry} in the cubin`).toBe(true);
          console.log(`plan ${p} ${entry}: ${entries.get(entry)}`);
        }
      }
    }, 300_000);
  });
}
