import { type Executor, HostTensor, Tensor } from '@tunekit/core';
import type { CausalLM, KvEntry } from '../architectures/causal-lm.interface.js';

/** Test helpers: run a model on plain arrays and compare results. */

export interface RunInputs {
  ids: number[][];
  positions?: number[][];
  /** [B, S] key padding mask (1 = real token) or a [B][T][S] full mask. */
  mask?: number[][] | number[][][];
  past?: HostTensor[][];
}

export interface RunResult {
  logits: HostTensor;
  present: HostTensor[][];
}

const i64 = (rows: number[][]) => HostTensor.i64([rows.length, rows[0].length], rows.flat());

function maskTensor(mask: number[][] | number[][][]): HostTensor {
  const full = Array.isArray(mask[0][0]);
  const shape = full ? [mask.length, 1, (mask as number[][][])[0].length, (mask as number[][][])[0][0].length] : [mask.length, mask[0].length];
  return new HostTensor('bool', shape, Uint8Array.from((mask as number[][]).flat(2) as number[]));
}

/** Traces `model` on named inputs for these arrays and runs it; returns logits and the new cache. */
export async function runModel(model: CausalLM, executor: Executor, inputs: RunInputs): Promise<RunResult> {
  const feeds: Record<string, HostTensor> = { input_ids: i64(inputs.ids) };
  const input = (name: string, value: HostTensor) => {
    feeds[name] = value;
    return Tensor.input(name, value.shape, value.dtype);
  };
  const ids = Tensor.input('input_ids', feeds.input_ids.shape, 'i64');
  const past: KvEntry[] | undefined = inputs.past?.map(([k, v], i) => ({ k: input(`past_k_${i}`, k), v: input(`past_v_${i}`, v) }));
  const { logits, present } = model.call(ids, {
    positionIds: inputs.positions && input('position_ids', i64(inputs.positions)),
    attentionMask: inputs.mask && input('attention_mask', maskTensor(inputs.mask)),
    past,
  });
  const out = await executor.compile([logits, ...present.flatMap((e) => [e.k, e.v])]).run(feeds);
  return { logits: out[0], present: present.map((_, i) => [out[1 + 2 * i], out[2 + 2 * i]]) };
}

/** logits[b, t, :] as an array. */
export function logitsAt(logits: HostTensor, b: number, t: number): Float32Array {
  const [, tt, v] = logits.shape;
  return logits.toFloat32().subarray((b * tt + t) * v, (b * tt + t + 1) * v);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** Deterministic pseudo-random token ids in [0, vocab). */
export function randomIds(rows: number, cols: number, vocab: number, seed: number): number[][] {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s);
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => next() % vocab));
}
