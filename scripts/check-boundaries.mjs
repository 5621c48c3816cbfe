// Enforces ARCHITECTURE.md's package table: a package may import only the packages listed for it,
// and only through their barrels (`@tunekit/<name>`), never another package's internals.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { coreLayerProblems, selfTest } from './core-layers.mjs';

const ALLOWED = {
  core: [],
  models: ['core'],
  data: ['core', 'models'],
  'peft-lora': ['core', 'models'],
  qlora: ['core', 'models', 'peft-lora'],
  rlhf: ['core', 'models', 'data', 'peft-lora'],
  'kernels-cuda': ['core'],
  exporters: ['core', 'models', 'peft-lora', 'qlora'],
  cli: ['core', 'models', 'data', 'peft-lora', 'qlora', 'rlhf', 'kernels-cuda', 'exporters'],
};

// Besides its barrel a package may publish test helpers at `@tunekit/<name>/testing` (and entries
// under it that load no test runner, for processes a spec launches), for tests only.
const TESTING_ENTRY = '/testing';
const TEST_FILE = /(\.spec|\.test-support)\.ts$|\/(testing|bench)\//;

const root = new URL('..', import.meta.url).pathname;
const projects = ['packages', 'apps'].flatMap((dir) =>
  readdirSync(join(root, dir)).map((name) => ({ name, dir: join(root, dir, name) })),
);

function* tsFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (entry === 'node_modules') continue;
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (/\.m?ts$/.test(entry)) yield p;
  }
}

const problems = [];
for (const { name, dir } of projects) {
  const allowed = ALLOWED[name];
  if (!allowed) {
    problems.push(`${relative(root, dir)}: not in the package table of ARCHITECTURE.md`);
    continue;
  }
  for (const file of tsFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](@tunekit\/([^'"/]+)(\/[^'"]*)?|\.\.\/[^'"]*)['"]/g)) {
      const [, spec, pkg, deep] = m;
      const line = text.slice(0, m.index).split('\n').length;
      const where = `${relative(root, file)}:${line}`;
      if (pkg && pkg !== name && !allowed.includes(pkg)) problems.push(`${where}: ${name} may not import @tunekit/${pkg}`);
      const testing = deep === TESTING_ENTRY || deep?.startsWith(`${TESTING_ENTRY}/`);
      if (pkg && testing && !TEST_FILE.test(file)) problems.push(`${where}: only specs, test support and benches may import ${spec}`);
      else if (pkg && deep && !testing) problems.push(`${where}: import @tunekit/${pkg} through its barrel, not ${spec}`);
      if (!pkg && !join(file, '..', spec).startsWith(dir)) problems.push(`${where}: relative import ${spec} leaves ${name}`);
    }
  }
}

// Inside core, the layers of scripts/core-layers.mjs (checked first on a known violation).
selfTest();
const coreSrc = join(root, 'packages', 'core', 'src');
for (const file of tsFiles(coreSrc)) problems.push(...coreLayerProblems(relative(coreSrc, file), readFileSync(file, 'utf8')));

if (problems.length) {
  console.error(`module boundaries violated:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`module boundaries ok (${projects.length} projects)`);
