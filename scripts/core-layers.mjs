// Inside core, imports point one way: a file may import its own layer or the layers below it.
// A layer is the first path segment under packages/core/src (a folder, or a top-level file).
// Specs, test support and `testing/` may reach any layer: they test across them.
import { dirname, join, normalize, sep } from 'node:path';

export const CORE_LAYERS = [
  ['util', 'dtype', 'random', 'config', 'events', 'tensorboard'],
  ['host-tensor', 'safetensors'],
  ['ir'], // graph nodes, the op set, Parameter (the `param` leaf)
  ['tensor'], // the traced Tensor API and the composite ops' decompositions written with it
  ['autodiff'],
  ['nn'],
  ['executors'],
  ['quant'], // weights rounded for inference, traced through the executors' programs
  ['optim'],
  ['train'],
  ['distributed'], // collectives and data parallel over several processes (MPI)
  ['trainer', 'export'],
  ['tokens', 'testing', 'index'], // the package's surfaces
];

const RANK = new Map(CORE_LAYERS.flatMap((names, rank) => names.map((n) => [n, rank])));
const TEST_FILE = /(\.spec|\.test-support)\.ts$/;

const layerOf = (pathInSrc) => pathInSrc.split(sep)[0].replace(/\.ts$/, '');

/**
 * Problems in one core file: `file` is relative to packages/core/src, `text` its source.
 * An unknown layer is a problem too, so a new folder has to be placed in the order.
 */
export function coreLayerProblems(file, text) {
  const from = layerOf(file);
  if (TEST_FILE.test(file) || from === 'testing') return [];
  if (!RANK.has(from)) return [`${file}: core layer "${from}" is not in CORE_LAYERS (scripts/core-layers.mjs)`];
  const problems = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]*)['"]/g)) {
    const target = normalize(join(dirname(file), m[1]));
    if (target.startsWith('..')) continue; // leaves the package: the package rules judge it
    const to = layerOf(target.replace(/\.js$/, '.ts'));
    const line = text.slice(0, m.index).split('\n').length;
    if (!RANK.has(to)) problems.push(`${file}:${line}: core layer "${to}" is not in CORE_LAYERS (scripts/core-layers.mjs)`);
    else if (RANK.get(to) > RANK.get(from)) problems.push(`${file}:${line}: core layer ${from} may not import ${to} (${m[1]}): it sits above`);
  }
  return problems;
}

/** The check must catch what it exists for: run before every use, so a broken rule fails loudly. */
export function selfTest() {
  const caught = coreLayerProblems(join('ir', 'ops.ts'), "import type { Module } from '../nn/module.js';\n");
  const allowed = coreLayerProblems(join('nn', 'linear.ts'), "import { Tensor } from '../tensor/tensor.js';\nimport { Parameter } from '../ir/parameter.js';\n");
  const spec = coreLayerProblems(join('ir', 'ops.spec.ts'), "import { OrtExecutor } from '../executors/ort/index.js';\n");
  const unknown = coreLayerProblems(join('gadgets', 'x.ts'), '');
  const ok = caught.length === 1 && caught[0] === 'ir/ops.ts:1: core layer ir may not import nn (../nn/module.js): it sits above' && allowed.length === 0 && spec.length === 0 && unknown.length === 1;
  if (!ok) throw new Error(`core-layers self-test failed: ${JSON.stringify({ caught, allowed, spec, unknown })}`);
}

