import { readFile } from 'node:fs/promises';
import { HostTensor, OrtExecutor, Tensor } from '@tunekit/core';
import type { CausalLM, HfTokenizer } from '@tunekit/models';
import { ggufArchOf, modelTensors } from '../model/gguf-tensors.js';
import type { GgufPreset } from '../model/quant-presets.js';
import { decodeTensor, encodeTensor } from '../quant/ggml-types.js';
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

/**
 * One thread: the spec models are tiny, and llama.cpp's threads meet at a barrier after
 * every op, which on a busy CPU costs far more than they share (measured 2026-12-05, 2 cores, load
 * 4: 40 held-out stories' next-token probabilities in 1.0 s with 1 thread, 63 s with the default
 * 4, and bit for bit the same in F32 and Q8_0).
 */
export async function loadGguf(path: string, lora?: string): Promise<LoadedGguf> {
  const model = await (await cpuLlama()).loadModel({ modelPath: path });
  const context = await model.createContext({ contextSize: 256, sequences: 1, threads: 1, ...(lora ? { lora: { adapters: [{ filePath: lora }] } } : {}) });
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

/**
 * TuneKit's logits for each sequence ([T][V] each), in f32 on ONNX Runtime, all in one forward:
 * right-padded, since causal attention leaves every real position exactly as it is alone.
 */
export async function tunekitLogits(model: CausalLM, seqs: readonly (readonly number[])[]): Promise<Float32Array[][]> {
  const width = Math.max(...seqs.map((s) => s.length));
  const feed = HostTensor.i64([seqs.length, width], seqs.flatMap((s) => [...s, ...new Array<number>(width - s.length).fill(0)]));
  const { logits } = model.call(Tensor.input('input_ids', feed.shape, 'i64'), {});
  const [out] = await executor.compile([logits]).run({ input_ids: feed });
  const v = out!.shape[2]!;
  const all = out!.toFloat32();
  return seqs.map((s, b) => s.map((_, t) => all.subarray((b * width + t) * v, (b * width + t + 1) * v)));
}

/**
 * The model as a GGUF preset stores it, read back by our own dequantizer: every tensor through the
 * type the preset gives it and back. TuneKit's forward on it shows the weights' quantization alone,
 * without llama.cpp's runtime (which also quantizes activations for quantized matmuls).
 */
export function roundTripWeights(model: CausalLM, preset: GgufPreset): void {
  const types = new Map(modelTensors(model, preset).map((t) => [t.name, t.type]));
  for (const [name, p] of model.namedParameters()) {
    const [m, ...more] = ggufArchOf(model.config).tensors(name, model.config) ?? [];
    // Blocks run along GGUF rows: a row permutation keeps them, anything else would quantize other blocks.
    if (!m || more.length || m.transpose || m.rows || m.neoxQkvHeads || m.offset) throw new Error(`${name}: round trip needs a GGUF tensor that is the parameter's rows as they are`);
    const type = types.get(m.name)!;
    if (type === 'F32') continue;
    const x = p.value.toFloat32();
    p.assign(HostTensor.f32(p.shape, decodeTensor(type, encodeTensor(type, x), x.length)));
  }
}

/**
 * Every held-out quickstart story (the user turns of the 200 test conversations), tokenized: text of
 * the kind the base model was pretrained on, so its perplexity there means something (it never saw
 * a chat turn). All of them, in file order, none picked.
 */
export async function heldOutSequences(tokenizer: HfTokenizer, path = HELD_OUT): Promise<number[][]> {
  const lines = (await readFile(path, 'utf8')).trim().split('\n');
  return lines.map((line) => tokenizer.encode((JSON.parse(line) as { messages: { role: string; content: string }[] }).messages[0]!.content));
}
