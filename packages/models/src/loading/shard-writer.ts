import { DTYPE_INFO, type FloatDType, type HostTensor, numel, writeSafetensors, writeJsonFile } from '@tunekit/core';
import { join } from 'node:path';
import { SHARD_INDEX, SINGLE_FILE } from './weight-files.js';

export interface TensorSource {
  readonly name: string;
  readonly shape: readonly number[];
  /** Makes the tensor's data; called once, when its shard is written. */
  make(): HostTensor;
}

/** Groups tensors, in order, into shards of at most `maxBytes` (a larger tensor gets its own). */
function groupShards(sources: readonly TensorSource[], bytesPerElement: number, maxBytes: number): TensorSource[][] {
  const shards: TensorSource[][] = [];
  let size = Infinity;
  for (const s of sources) {
    const bytes = numel(s.shape) * bytesPerElement;
    if (size + bytes > maxBytes) {
      shards.push([]);
      size = 0;
    }
    shards[shards.length - 1].push(s);
    size += bytes;
  }
  return shards;
}

/**
 * Writes weights in save_pretrained's layout: `model.safetensors`, or when they exceed
 * `maxShardBytes`, `model-0000i-of-0000n.safetensors` files plus `model.safetensors.index.json`.
 * Only one shard's tensors exist in memory at a time, so a checkpoint of any size can be made.
 */
export async function writeShardedCheckpoint(dir: string, sources: readonly TensorSource[], dtype: FloatDType, maxShardBytes: number): Promise<string[]> {
  const bytesPerElement = DTYPE_INFO[dtype].bytes;
  const shards = groupShards(sources, bytesPerElement, maxShardBytes);
  const pad = (n: number) => String(n).padStart(5, '0');
  const names = shards.length === 1 ? [SINGLE_FILE] : shards.map((_, i) => `model-${pad(i + 1)}-of-${pad(shards.length)}.safetensors`);
  for (const [i, shard] of shards.entries()) {
    await writeSafetensors(join(dir, names[i]), new Map(shard.map((s) => [s.name, s.make()])), { format: 'pt' });
  }
  if (shards.length === 1) return names;
  const weightMap = Object.fromEntries(shards.flatMap((shard, i) => shard.map((s) => [s.name, names[i]])));
  const totalSize = sources.reduce((n, s) => n + numel(s.shape) * bytesPerElement, 0);
  await writeJsonFile(join(dir, SHARD_INDEX), { metadata: { total_size: totalSize }, weight_map: weightMap });
  return [...names, SHARD_INDEX];
}
