import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, HostTensor, type Executor, OrtExecutor, Tensor, TrainStep } from '@tunekit/core';
import { type CausalLMBase, HfTokenizer, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';

/** Test helpers for soft-prompt methods: real checkpoints with a tokenizer, run on plain arrays. */

export type TinyArch = 'llama' | 'qwen2' | 'gpt2' | 'gemma2' | 'gemma3_text';

/** A temp folder holding a tiny random checkpoint whose vocabulary is its tokenizer's (every id decodes). */
export async function tinyCheckpoint(arch: TinyArch, seed = 7): Promise<{ dir: string; tokenizer: HfTokenizer; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), `tunekit-prompt-${arch}-`));
  const dir = join(root, 'model');
  // 10× transformers' init: attention then matters to the outputs, so a wrong position or mask shows.
  const make = (vocab?: number) => createTinyModel({ arch, dir, seed, vocab, config: { initializer_range: 0.2 } });
  const first = await make();
  const tokenizer = await HfTokenizer.fromDir(dir);
  if (first.config.vocab !== tokenizer.vocabSize) await make(tokenizer.vocabSize);
  return { dir, tokenizer, cleanup: () => rm(root, { recursive: true, force: true }) };
}

export async function loadTiny(dir: string): Promise<CausalLMBase> {
  const { model } = await loadModel(dir);
  return model as CausalLMBase;
}

const ids64 = (rows: readonly (readonly number[])[]) => HostTensor.i64([rows.length, rows[0].length], rows.flat());

/** Logits [B, T, V] of `model` for these rows. */
export async function logitsOf(model: CausalLMBase, ort: Executor, rows: readonly (readonly number[])[]): Promise<HostTensor> {
  const { logits } = model.call(Tensor.input('ids', [rows.length, rows[0].length], 'i64'));
  const [out] = await ort.compile([logits]).run({ ids: ids64(rows) });
  return out;
}

/** logits[b, t, :]. */
export function at(logits: HostTensor, b: number, t: number): Float32Array {
  const [, tt, v] = logits.shape;
  return logits.toFloat32().subarray((b * tt + t) * v, (b * tt + t + 1) * v);
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
};

/** Greedy decoding without a cache: the whole sequence through the model again for every token. */
export async function greedyByRecomputing(model: CausalLMBase, ort: Executor, prompt: readonly number[], steps: number): Promise<number[]> {
  const ids = [...prompt];
  for (let i = 0; i < steps; i++) ids.push(argmax(at(await logitsOf(model, ort, [ids]), 0, ids.length - 1)));
  return ids.slice(prompt.length);
}

/** `steps` AdamW steps on the model's trainable parameters, next-token loss on `rows`; the losses. */
export async function trainSteps(model: CausalLMBase, rows: readonly (readonly number[])[], steps: number, lr = 5e-2): Promise<number[]> {
  const ort = new OrtExecutor();
  const params = model.trainableParameters();
  const step = new TrainStep(ort, params);
  const opt = new AdamW(params, { lr, weightDecay: 0 });
  const losses: number[] = [];
  try {
    for (let s = 0; s < steps; s++) {
      const { loss } = await step.run(() => {
        const ids = Tensor.input('ids', [rows.length, rows[0].length], 'i64');
        return model.loss(ids, ids);
      }, { ids: ids64(rows) });
      losses.push(loss);
      opt.step();
      opt.zeroGrad();
    }
  } finally {
    await ort.dispose();
  }
  return losses;
}
