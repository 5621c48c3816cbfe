import type { OptimizerState } from '../optim/optimizer.interface.js';

/** The per-parameter half of an optimizer state (ZeRO's shard of one rank), without the shared metadata. */
export interface OptimizerShard {
  scalars: OptimizerState['meta']['scalars'];
  buffers: OptimizerState['buffers'];
}

/** The parameters a state holds state for, restricted to `keep`. */
export function restrictShard(state: OptimizerState, keep: ReadonlySet<string>): OptimizerState {
  const pick = <T>(record: Record<string, T>) => Object.fromEntries(Object.entries(record).filter(([name]) => keep.has(name)));
  return { meta: { ...state.meta, scalars: pick(state.meta.scalars) }, buffers: pick(state.buffers) };
}

/** Bytes: u32 header length, JSON header (scalars and buffer lengths), then every buffer's f32 data. */
export function encodeShard({ scalars, buffers }: OptimizerShard): Uint8Array {
  const layout = Object.entries(buffers).flatMap(([param, named]) => Object.entries(named).map(([buf, data]) => [param, buf, data.length] as const));
  const header = new TextEncoder().encode(JSON.stringify({ scalars, layout }));
  const headerEnd = 4 + header.length;
  const start = headerEnd + ((4 - (headerEnd % 4)) % 4);
  const floats = layout.reduce((n, [, , length]) => n + length, 0);
  const out = new Uint8Array(start + floats * 4);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  const payload = new Float32Array(out.buffer, start, floats);
  let at = 0;
  for (const [param, buf] of layout) {
    payload.set(buffers[param][buf], at);
    at += buffers[param][buf].length;
  }
  return out;
}

export function decodeShard(bytes: Uint8Array): OptimizerShard {
  const copy = bytes.slice();
  const headerLength = new DataView(copy.buffer).getUint32(0, true);
  const { scalars, layout } = JSON.parse(new TextDecoder().decode(copy.subarray(4, 4 + headerLength))) as {
    scalars: OptimizerShard['scalars'];
    layout: [string, string, number][];
  };
  const headerEnd = 4 + headerLength;
  let at = headerEnd + ((4 - (headerEnd % 4)) % 4);
  const buffers: OptimizerShard['buffers'] = {};
  for (const [param, buf, length] of layout) {
    (buffers[param] ??= {})[buf] = new Float32Array(copy.buffer, at, length);
    at += length * 4;
  }
  return { scalars, buffers };
}

/** One state from every rank's shard: the metadata is the same on every rank, the per-parameter parts are disjoint. */
export function mergeShards(meta: OptimizerState['meta'], shards: readonly OptimizerShard[]): OptimizerState {
  const merged: OptimizerState = { meta: { ...meta, scalars: {} }, buffers: {} };
  for (const shard of shards) {
    Object.assign(merged.meta.scalars, shard.scalars);
    Object.assign(merged.buffers, shard.buffers);
  }
  return merged;
}
