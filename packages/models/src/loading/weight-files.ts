import { readJsonObject, showValue } from '@tunekit/core';
import { access } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { CheckpointError } from './checkpoint-error.js';

export const SINGLE_FILE = 'model.safetensors';
export const SHARD_INDEX = 'model.safetensors.index.json';

export interface WeightFiles {
  /** Absolute paths of the safetensors files, in load order. */
  readonly files: readonly string[];
  /** For a sharded checkpoint: the index path and its tensor → absolute file map. */
  readonly index: { readonly path: string; readonly weightMap: ReadonlyMap<string, string> } | null;
}

const exists = (p: string) => access(p).then(() => true, () => false);

async function readIndex(dir: string, path: string): Promise<WeightFiles> {
  const raw = (await readJsonObject(path)).weight_map;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new CheckpointError(path, null, 'weight_map: expected an object');
  const weightMap = new Map<string, string>();
  for (const [tensor, file] of Object.entries(raw)) {
    // Shards are siblings of the index; a path here could point anywhere on disk.
    if (typeof file !== 'string' || !file.endsWith('.safetensors') || basename(file) !== file) {
      throw new CheckpointError(path, tensor, `weight_map entry ${showValue(file)} is not a .safetensors file name in the same folder`);
    }
    weightMap.set(tensor, join(dir, file));
  }
  const files = [...new Set(weightMap.values())].sort();
  for (const f of files) if (!(await exists(f))) throw new CheckpointError(path, null, `shard ${basename(f)} is listed but does not exist`);
  return { files, index: { path, weightMap } };
}

/** Finds the weights as transformers does: `model.safetensors`, else the sharded index. */
export async function findWeightFiles(dir: string): Promise<WeightFiles> {
  const single = join(dir, SINGLE_FILE);
  if (await exists(single)) return { files: [single], index: null };
  const index = join(dir, SHARD_INDEX);
  if (await exists(index)) return readIndex(dir, index);
  const bin = (await exists(join(dir, 'pytorch_model.bin'))) ? ' (pytorch_model.bin checkpoints are not supported: convert them to safetensors)' : '';
  throw new CheckpointError(dir, null, `no ${SINGLE_FILE} or ${SHARD_INDEX}${bin}`);
}
