// `node scripts/gpu/bundle.mjs [OUT]`: packs what runs the GPU specs and benchmarks on a bare CUDA
// machine without Node.js into OUT (default .gpu/, git-ignored), under 64 MiB:
//   node.xz                      this Node binary, xz-compressed
//   app/tests.mjs, app/bench.mjs the specs and the benchmark, bundled by esbuild (vitest → Node's
//                                test runner, onnxruntime-node left out: the GPU path does not use it)
//   node_modules/koffi, @koromix/koffi-linux-x64   koffi's JS and its prebuilt linux-x64 binary
//   run.sh                       unpacks node and runs `tests` or `bench`
// See the README's "GPUs (CUDA)" section.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = resolve(process.argv[2] ?? join(ROOT, '.gpu'));
export const LIMIT_BYTES = 64 * 2 ** 20;

/** The spec files that go in: the runtime's CPU specs (a smoke test anywhere) and every GPU spec. */
function specFiles() {
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const cuda = join(ROOT, 'packages/kernels-cuda/src');
  const cpu = ['runtime', 'memory', 'executor'].flatMap((d) => walk(join(cuda, d))).filter((f) => f.endsWith('.spec.ts') && !f.endsWith('.gpu.spec.ts'));
  const gpu = [...walk(cuda), ...walk(join(ROOT, 'scripts/gpu'))].filter((f) => f.endsWith('.gpu.spec.ts'));
  return [...cpu.sort(), ...gpu.sort()];
}

const KOFFI_FILES = [
  'koffi/package.json', 'koffi/LICENSE.txt', 'koffi/index.js', 'koffi/index.cjs', 'koffi/src/koffi/index.js', 'koffi/src/koffi/index.cjs',
  'koffi/src/koffi/src/static.js', 'koffi/src/koffi/src/static.cjs', 'koffi/src/koffi/src/trampolines.cjs',
  '@koromix/koffi-linux-x64/package.json', '@koromix/koffi-linux-x64/index.js', '@koromix/koffi-linux-x64/linux_x64/koffi.node',
];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(OUT, 'app'), { recursive: true });

const specs = specFiles();
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['koffi'],
  alias: { vitest: join(ROOT, 'scripts/gpu/vitest-on-node.ts'), 'onnxruntime-node': join(ROOT, 'scripts/gpu/no-onnxruntime.ts') },
  // CommonJS dependencies call require() for Node's built-ins; an ES module has none of its own.
  banner: { js: "import { createRequire as __tkRequire } from 'node:module'; const require = __tkRequire(import.meta.url);" },
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
};
await build({
  ...common,
  stdin: { contents: specs.map((f) => `import ${JSON.stringify(f)};`).join('\n'), resolveDir: ROOT, sourcefile: 'gpu-suite.ts', loader: 'ts' },
  outfile: join(OUT, 'app/tests.mjs'),
});
await build({ ...common, entryPoints: [join(ROOT, 'scripts/gpu/bench-gpu.ts')], outfile: join(OUT, 'app/bench.mjs') });

for (const f of KOFFI_FILES) {
  mkdirSync(dirname(join(OUT, 'node_modules', f)), { recursive: true });
  copyFileSync(join(ROOT, 'node_modules', f), join(OUT, 'node_modules', f));
}
writeFileSync(join(OUT, 'node.xz'), execFileSync('xz', ['-T2', '-c', process.execPath], { maxBuffer: 256 * 2 ** 20 }));
copyFileSync(join(ROOT, 'scripts/gpu/run-bundle.sh'), join(OUT, 'run.sh'));
chmodSync(join(OUT, 'run.sh'), 0o755);
writeFileSync(join(OUT, 'SPECS.txt'), `${specs.map((f) => relative(ROOT, f)).join('\n')}\n`);

const sizes = (dir) => readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? sizes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
const total = sizes(OUT);
const mib = (n) => `${(n / 2 ** 20).toFixed(1)} MiB`;
console.log(JSON.stringify({ bundle: relative(process.cwd(), OUT) || '.', node: process.version, specs: specs.length, nodeXz: mib(statSync(join(OUT, 'node.xz')).size), tests: mib(statSync(join(OUT, 'app/tests.mjs')).size), bench: mib(statSync(join(OUT, 'app/bench.mjs')).size), total: mib(total), totalBytes: total, limit: mib(LIMIT_BYTES) }));
if (total > LIMIT_BYTES) {
  console.error(`bundle: ${mib(total)} is over the ${mib(LIMIT_BYTES)} limit`);
  process.exit(1);
}
