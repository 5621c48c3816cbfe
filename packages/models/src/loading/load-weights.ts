import { type DType, type FloatDType, type HostTensor, type Parameter, type ReadOptions, SafetensorsFile } from '@tunekit/core';
import { basename } from 'node:path';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import type { ModelConfig } from '../config/model-config.js';
import { CheckpointError } from './checkpoint-error.js';
import { resolveCheckpointKey } from './checkpoint-keys.js';
import { type WeightFiles, findWeightFiles } from './weight-files.js';

/** What a checkpoint loads into: any model with a config and Hugging Face-named parameters. */
export interface WeightTarget {
  readonly config: ModelConfig;
  namedParameters(): [string, Parameter][];
}

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
function plan(model: WeightTarget, dir: string, opened: readonly SafetensorsFile[]): Map<string, Assignment> {
  const params = new Map(model.namedParameters());
  const planned = new Map<string, Assignment>();
  for (const file of opened) {
    for (const key of file.names()) {
      const target = resolveCheckpointKey(key, params, model.config);
      if (target.kind === 'ignore') continue;
      if (target.kind === 'unexpected') {
        throw new CheckpointError(file.path, key, `unexpected tensor: a ${model.config.modelType} model with this config has no such parameter`);
      }
      const param = params.get(target.name) as Parameter;
      const previous = planned.get(target.name);
      if (previous) throw new CheckpointError(file.path, key, `parameter ${target.name} was already loaded from ${previous.file.path}`);
      const { shape } = file.info(key);
      if (fmt(shape) !== fmt(param.shape)) {
        throw new CheckpointError(file.path, key, `shape ${fmt(shape)} does not match the model's ${fmt(param.shape)} for ${target.name}`);
      }
      planned.set(target.name, { file, key, param });
    }
  }
  const missing = [...params.keys()].filter((name) => !planned.has(name));
  if (missing.length) throw new CheckpointError(dir, null, `missing tensors: ${listed(missing)}`);
  return planned;
}

/**
 * A model's checkpoint, checked against the model from the headers alone and then read one tensor
 * at a time by parameter name. A loader that replaces modules while loading (quantization) reads
 * their weights itself; `loadRemaining` fills every parameter nobody has read yet.
 */
export class CheckpointReader {
  private readonly consumed = new Set<string>();

  private constructor(
    private readonly files: readonly SafetensorsFile[],
    private readonly planned: ReadonlyMap<string, Assignment>,
  ) {}

  /** Opens the folder's weight files and plans every parameter of `model` (as it is now). */
  static async open(model: WeightTarget, dir: string): Promise<CheckpointReader> {
    const weights = await findWeightFiles(dir);
    const opened: SafetensorsFile[] = [];
    try {
      for (const path of weights.files) opened.push(await SafetensorsFile.open(path));
      checkIndex(weights, opened);
      return new CheckpointReader(opened, plan(model, dir, opened));
    } catch (e) {
      await Promise.all(opened.map((f) => f.close()));
      throw e;
    }
  }

  has(paramName: string): boolean {
    return this.planned.has(paramName);
  }

  /** The stored tensor for a parameter (by its name when the reader was opened), converted to `into`. */
  async read(paramName: string, into: DType, opts: Pick<ReadOptions, 'scratch'> = {}): Promise<HostTensor> {
    const entry = this.planned.get(paramName);
    if (!entry) throw new Error(`CheckpointReader: the model had no parameter "${paramName}" when the checkpoint was opened`);
    this.consumed.add(paramName);
    return entry.file.read(entry.key, { into, scratch: opts.scratch });
  }

  /** Reads every planned parameter not read yet into its Parameter, one tensor at a time. */
  async loadRemaining(dtype: FloatDType): Promise<void> {
    for (const [name, { file, key, param }] of this.planned) {
      if (this.consumed.has(name)) continue;
      this.consumed.add(name);
      param.assign(await file.read(key, { into: dtype }));
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.files.map((f) => f.close()));
  }
}

export interface LoadWeightsOptions<M extends WeightTarget = CausalLM> {
  /**
   * Runs after the checkpoint is checked and before the rest is read: a hook that replaces modules
   * while loading (quantize-while-loading reads each weight, quantizes it and swaps the layer, so
   * the full-precision model never exists at once).
   */
  prepare?: (model: M, reader: CheckpointReader) => Promise<void>;
}

/**
 * Loads a folder's safetensors weights into the model's parameters by Hugging Face name, one
 * tensor at a time (converted to `dtype` as it is read), so peak memory is the model plus one tensor.
 */
export async function loadWeights<M extends WeightTarget>(model: M, dir: string, dtype: FloatDType, opts: LoadWeightsOptions<M> = {}): Promise<void> {
  const reader = await CheckpointReader.open(model, dir);
  try {
    if (opts.prepare) await opts.prepare(model, reader);
    await reader.loadRemaining(dtype);
  } finally {
    await reader.close();
  }
}
