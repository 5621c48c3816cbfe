import { type Batch, HostTensor, Rng, type TrainDataSource } from '@tunekit/core';

/** One preference pair as token ids: a shared prompt, then each completion. */
export interface TokenPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

/** Random pairs over ids [4, vocab): prompts of 3-5 tokens, completions of 2-4. */
export function randomPairs(count: number, vocab: number, seed: number): TokenPair[] {
  const rng = new Rng(seed);
  const ids = (n: number) => Array.from({ length: n }, () => 4 + rng.int(vocab - 4));
  return Array.from({ length: count }, () => ({ prompt: ids(3 + rng.int(3)), chosen: ids(2 + rng.int(3)), rejected: ids(2 + rng.int(3)) }));
}

/**
 * The paired batch layout of the rlhf contract: chosen rows first, then rejected, right-padded
 * with 0; `completion_mask` 1 on completion tokens.
 */
export function pairBatch(pairs: readonly TokenPair[]): Batch {
  const rows = [...pairs.map((p) => [p.prompt, p.chosen] as const), ...pairs.map((p) => [p.prompt, p.rejected] as const)];
  return { tensors: rowsTensors(rows, ''), tokens: rows.reduce((s, [a, b]) => s + a.length + b.length, 0) };
}

/** Fixed batches in a fixed order every epoch (a pure function of epoch and index, as the trainer needs). */
export function fixedSource(batches: readonly Batch[], batchSize: number): TrainDataSource {
  return { batchSize, numBatches: () => batches.length, batch: (_epoch, index) => batches[index] };
}

/** One unpaired example (KTO): a prompt, a completion, and whether it is desirable. */
export interface TokenExample {
  prompt: number[];
  completion: number[];
  label: 0 | 1;
}

/** Rows of [prompt, completion] right-padded with 0 under `prefix` (input_ids, attention_mask, completion_mask). */
function rowsTensors(rows: readonly (readonly [number[], number[]])[], prefix: string): Record<string, HostTensor> {
  const width = Math.max(...rows.map(([a, b]) => a.length + b.length));
  const ids: number[] = [];
  const mask: number[] = [];
  const completion: number[] = [];
  for (const [prompt, answer] of rows) {
    const pad = width - prompt.length - answer.length;
    ids.push(...prompt, ...answer, ...Array(pad).fill(0));
    mask.push(...Array(prompt.length + answer.length).fill(1), ...Array(pad).fill(0));
    completion.push(...Array(prompt.length).fill(0), ...Array(answer.length).fill(1), ...Array(pad).fill(0));
  }
  const shape = [rows.length, width];
  return { [`${prefix}input_ids`]: HostTensor.i64(shape, ids), [`${prefix}attention_mask`]: HostTensor.i64(shape, mask), [`${prefix}completion_mask`]: HostTensor.f32(shape, completion) };
}

/** The unpaired layout of the rlhf contract: the rows, `label`, and the KL rows (prompt i with completion i + 1, cyclically). */
export function unpairedBatch(examples: readonly TokenExample[]): Batch {
  const rows = examples.map((e) => [e.prompt, e.completion] as const);
  const kl = examples.map((e, i) => [e.prompt, examples[(i + 1) % examples.length].completion] as const);
  const tensors = { ...rowsTensors(rows, ''), ...rowsTensors(kl, 'kl_'), label: HostTensor.f32([examples.length], examples.map((e) => e.label)) };
  return { tensors, tokens: rows.reduce((s, [a, b]) => s + a.length + b.length, 0) };
}
