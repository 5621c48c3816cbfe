import { type FloatDType, type Parameter, SafetensorsFile } from '@tunekit/core';
import { basename } from 'node:path';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import { CheckpointError } from './checkpoint-error.js';
import { resolveCheckpointKey } from './checkpoint-keys.js';
import { type WeightFiles, findWeightFiles } from './weight-files.js';

interface Assignment {
  readonly file: SafetensorsFile;
  readonly key: string;
  readonly param: Parameter;
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;
const listed = (names: readonly string[]) => (names.length > 8 ? `${names.slice(0, 8).join(', ')}, ... (${names.length} in all)` : names.join(', '));

/** Checks that every shard holds the tensors its index promises. */
function checkIndex(weights: WeightFiles, opened: readonly SafetensorsFile[]): void {
  if (!weights.index) return;
  const byPath = new Map(opened.map((f) => [f.path, f]));
  for (const [tensor, path] of weights.index.weightMap) {
    if (!byPath.get(path)?.has(tensor)) throw new CheckpointError(weights.index.path, tensor, `listed in ${basename(path)}, which does not contain it`);
  }
}

/**
 * Matches every tensor of every file to a parameter from the headers alone, so a bad checkpoint
 * fails before any data is read, with the file and tensor named.
 */
function plan(model: CausalLM, dir: string, opened: readonly SafetensorsFile[]): Assignment[] {
  const params = new Map(model.namedParameters());
  const from = new Map<string, string>();
  const plan: Assignment[] = [];
  for (const file of opened) {
    for (const key of file.names()) {
      const target = resolveCheckpointKey(key, params, model.config);
      if (target.kind === 'ignore') continue;
      if (target.kind === 'unexpected') {
        throw new CheckpointError(file.path, key, `unexpected tensor: a ${model.config.modelType} model with this config has no such parameter`);
      }
      const param = params.get(target.name) as Parameter;
      const previous = from.get(target.name);
      if (previous) throw new CheckpointError(file.path, key, `parameter ${target.name} was already loaded from ${previous}`);
      const { shape } = file.info(key);
      if (fmt(shape) !== fmt(param.shape)) {
        throw new CheckpointError(file.path, key, `shape ${fmt(shape)} does not match the model's ${fmt(param.shape)} for ${target.name}`);
      }
      from.set(target.name, file.path);
      plan.push({ file, key, param });
    }
  }
  const missing = [...params.keys()].filter((name) => !from.has(name));
  if (missing.length) throw new CheckpointError(dir, null, `missing tensors: ${listed(missing)}`);
  return plan;
}

/**
 * Loads a folder's safetensors weights into the model's parameters by Hugging Face name, one
 * tensor at a time (converted to `dtype` as it is read), so peak memory is the model plus one tensor.
 */
export async function loadWeights(model: CausalLM, dir: string, dtype: FloatDType): Promise<void> {
  const weights = await findWeightFiles(dir);
  const opened: SafetensorsFile[] = [];
  try {
    for (const path of weights.files) opened.push(await SafetensorsFile.open(path));
    checkIndex(weights, opened);
    for (const { file, key, param } of plan(model, dir, opened)) param.assign(await file.read(key, { into: dtype }));
  } finally {
    await Promise.all(opened.map((f) => f.close()));
  }
}
