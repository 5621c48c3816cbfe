import { type DType, type FloatDType, HostTensor, type Parameter, type ReadOptions, SafetensorsFile, numel } from '@tunekit/core';
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

/** One checkpoint tensor filling `size` elements of a parameter from flat `offset` (the whole of it, or one expert's slice). */
interface Part {
  readonly file: SafetensorsFile;
  readonly key: string;
  readonly offset: number;
  readonly size: number;
  /** The tensor is the whole parameter (read as is, no packing). */
  readonly whole: boolean;
}

interface Assignment {
  readonly param: Parameter;
  readonly parts: Part[];
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
      const want = target.kind === 'part' ? target.shape : param.shape;
      const { shape } = file.info(key);
      if (fmt(shape) !== fmt(want)) {
        throw new CheckpointError(file.path, key, `shape ${fmt(shape)} does not match the model's ${fmt(want)} for ${target.name}`);
      }
      const part = { file, key, offset: target.kind === 'part' ? target.offset : 0, size: numel(want), whole: target.kind === 'param' };
      const entry = planned.get(target.name) ?? { param, parts: [] };
      const clash = entry.parts.find((p) => p.offset < part.offset + part.size && part.offset < p.offset + p.size);
      if (clash) throw new CheckpointError(file.path, key, `parameter ${target.name} was already loaded from ${clash.key} in ${clash.file.path}`);
      entry.parts.push(part);
      planned.set(target.name, entry);
    }
  }
  const missing = [...params.keys()].filter((name) => !planned.has(name));
  const partial = [...planned].filter(([, a]) => a.parts.reduce((n, p) => n + p.size, 0) !== a.param.size).map(([name]) => name);
  if (missing.length) throw new CheckpointError(dir, null, `missing tensors: ${listed(missing)}`);
  if (partial.length) throw new CheckpointError(dir, null, `tensors missing for part of: ${listed(partial)}`);
  return planned;
}

/** A parameter's value from its parts: one tensor read as is, or per-expert tensors packed into one. */
async function readParts({ param, parts }: Assignment, into: DType, scratch?: ReadOptions['scratch']): Promise<HostTensor> {
  if (parts.length === 1 && parts[0].whole) return parts[0].file.read(parts[0].key, { into, scratch });
  const packed = HostTensor.zeros(into, param.shape);
  for (const p of parts) packed.data.set((await p.file.read(p.key, { into })).data as never, p.offset);
  return packed;
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
    return readParts(entry, into, opts.scratch);
  }

  /** Reads every planned parameter not read yet into its Parameter, one tensor at a time. */
  async loadRemaining(dtype: FloatDType): Promise<void> {
    for (const [name, entry] of this.planned) {
      if (this.consumed.has(name)) continue;
      this.consumed.add(name);
      entry.param.assign(await readParts(entry, dtype));
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
