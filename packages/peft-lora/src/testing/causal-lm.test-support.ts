import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Executor, HostTensor, Tensor } from '@tunekit/core';
import type { CausalLM } from '@tunekit/models';

/** Test helpers: run a (possibly adapted) causal LM on plain token rows. */

export const i64Rows = (rows: readonly (readonly number[])[]): HostTensor => HostTensor.i64([rows.length, rows[0].length], rows.flat());

/** Logits [B, S, V] of a full forward (no cache) over equal-length rows. */
export async function forwardLogits(model: CausalLM, executor: Executor, rows: readonly (readonly number[])[]): Promise<HostTensor> {
  const ids = i64Rows(rows);
  const out = model.call(Tensor.input('input_ids', ids.shape, 'i64')).logits;
  const [logits] = await executor.compile([out]).run({ input_ids: ids });
  return logits;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Greedy decoding without a cache: the whole sequence through the model again for every token. */
export async function greedyByRecomputing(model: CausalLM, executor: Executor, prompt: readonly number[], newTokens: number): Promise<number[]> {
  const ids = [...prompt];
  for (let i = 0; i < newTokens; i++) {
    const logits = await forwardLogits(model, executor, [ids]);
    const vocab = logits.shape[2];
    ids.push(argmax(logits.toFloat32().subarray((ids.length - 1) * vocab, ids.length * vocab)));
  }
  return ids.slice(prompt.length);
}

export const tempDir = (prefix: string): Promise<string> => mkdtemp(join(tmpdir(), `tunekit-${prefix}-`));
