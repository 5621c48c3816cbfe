import { readFile } from 'node:fs/promises';
import { HostTensor, OrtExecutor, Tensor } from '@tunekit/core';
import type { CausalLM, HfTokenizer } from '@tunekit/models';
import { type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token, getLlama, LlamaLogLevel } from 'node-llama-cpp';

/** node-llama-cpp brands token ids; ours are plain numbers. */
const tok = (id: number): Token => id as unknown as Token;

/** Specs use the quickstart base as the fixtures froze it (examples/ may be rebuilt). */
export const QUICKSTART_BASE = '../shared/fixtures/golden-peft/base';
export const QUICKSTART_LORA = '../shared/fixtures/golden-peft/peft-saved/lora/adapter';
export const HELD_OUT = 'examples/data/quickstart-test.jsonl';

let llama: Promise<Llama> | undefined;
/** llama.cpp's prebuilt CPU binary, never a build from source. */
export const cpuLlama = (): Promise<Llama> => (llama ??= getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error }));

export interface LoadedGguf {
  readonly model: LlamaModel;
  readonly context: LlamaContext;
  /** The context's one sequence, cleared before each use. */
  readonly sequence: LlamaContextSequence;
  dispose(): Promise<void>;
}

export async function loadGguf(path: string, lora?: string): Promise<LoadedGguf> {
  const model = await (await cpuLlama()).loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: 256, sequences: 1, ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}) });
  return { model, context, sequence: context.getSequence(), dispose: async () => (await context.dispose(), await model.dispose()) };
}

/** Greedy decoding in llama.cpp, token by token, eos included when it comes. */
export async function llamaGreedy(g: LoadedGguf, prompt: readonly number[], maxNew: number, eos: { has(id: number): boolean }): Promise<number[]> {
  const seq = g.sequence;
  await seq.clearHistory();
  const out: number[] = [];
  let input: number[] = [...prompt];
  while (out.length < maxNew) {
    const res = await seq.controlledEvaluate(input.map((t, i) => (i === input.length - 1 ? [tok(t), { generateNext: { token: true } }] : tok(t))));
    const next = res.at(-1)!.next.token! as unknown as number;
    out.push(next);
    if (eos.has(next)) break;
    input = [next];
  }
  return out;
}

/** llama.cpp's next-token distribution after each position (plain softmax: temperature 1, no truncation). */
export async function llamaNextProbs(g: LoadedGguf, ids: readonly number[]): Promise<Map<number, number>[]> {
  const seq = g.sequence;
  await seq.clearHistory();
  const options = { temperature: 1, topK: 0, topP: 1, minP: 0 };
  const res = await seq.controlledEvaluate(ids.map((t) => [tok(t), { generateNext: { probabilities: true, options } }] as const));
  return res.map((r) => r!.next.probabilities! as unknown as Map<number, number>);
}

/** One executor for every TuneKit run of a spec file: it caches compiled programs. */
export const executor = new OrtExecutor();

/** TuneKit's logits for one sequence ([T][V]), in f32 on ONNX Runtime. */
export async function tunekitLogits(model: CausalLM, ids: readonly number[]): Promise<Float32Array[]> {
  const feed = HostTensor.i64([1, ids.length], [...ids]);
  const { logits } = model.call(Tensor.input('input_ids', feed.shape, 'i64'), {});
  const [out] = await executor.compile([logits]).run({ input_ids: feed });
  const v = out!.shape[2]!;
  const all = out!.toFloat32();
  return ids.map((_, t) => all.subarray(t * v, (t + 1) * v));
}

export const argmax = (x: ArrayLike<number>): number => {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i]! > x[best]!) best = i;
  return best;
};

export function logSoftmaxAt(x: Float32Array, i: number): number {
  let max = -Infinity;
  for (const v of x) max = Math.max(max, v);
  let sum = 0;
  for (const v of x) sum += Math.exp(v - max);
  return x[i]! - max - Math.log(sum);
}

/**
 * Held-out quickstart stories (the user turns of the test conversations), tokenized: text of the kind
 * the base model was pretrained on, so its perplexity there means something (it never saw a chat turn).
 */
export async function heldOutSequences(tokenizer: HfTokenizer, minPositions: number): Promise<number[][]> {
  const lines = (await readFile(HELD_OUT, 'utf8')).trim().split('\n');
  const seqs: number[][] = [];
  let positions = 0;
  for (const line of lines) {
    if (positions >= minPositions) break;
    const ids = tokenizer.encode((JSON.parse(line) as { messages: { role: string; content: string }[] }).messages[0]!.content);
    seqs.push(ids);
    positions += ids.length - 1;
  }
  return seqs;
}
