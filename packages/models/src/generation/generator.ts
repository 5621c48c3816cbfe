import { type Executor, HostTensor, type Program, Rng } from '@tunekit/core';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import type { RawConfig } from '../config/config-fields.js';
import type { TextTokenizer } from '../tokenizer/tokenizer.interface.js';
import { type GenerationConfig, type GenerationOptions, resolveGenerationConfig } from './generation-config.js';
import { GenerationRow } from './generation-row.js';
import { StaticKvCache } from './kv-cache.js';
import { leftPad, roundUp } from './left-padding.js';
import { type LogitsProcessor, logitsPipeline, temperedOnly, tracedSampling } from './logits-processors.js';
import { type GenerateInput, checkContext, promptIds } from './prompt-input.js';
import { type TokenChooser, sampleProbabilities, tokenChooser } from './sampler.js';
import { distinctPrompts, takeRows } from './shared-prompts.js';
import { ATTENTION_MASK, CACHE_POSITION, INPUT_IDS, POSITION_IDS, decodeProgram, pastName, tracePrefill } from './step-programs.js';
import { type FinishReason, stoppingCriteria } from './stopping.js';

export interface GenerateOptions extends GenerationOptions {
  /** Encodes text prompts, streams text, checks stop strings; its EOS ids are the last-resort default. */
  tokenizer?: TextTokenizer;
  /** generation_config.json (`LoadedModel.generationConfig`): defaults under the explicit options. */
  generationConfig?: RawConfig | null;
  /** Leave special tokens out of streamed and returned text (default true, as pipelines do). */
  skipSpecialTokens?: boolean;
  /** The padded prompt length is a multiple of this (default 16), so nearby lengths share a prefill program. */
  promptMultiple?: number;
  /** Cache slots are a multiple of this (default 64), so nearby lengths share a decode program; a full cache grows by whole multiples. */
  cacheMultiple?: number;
  /**
   * Also return each chosen token's log-probability under softmax(logits / temperature) (temperature
   * 1 for greedy), before top-k, top-p, min-p or a repetition penalty: the distribution a policy's
   * per-token log-probs are computed over in RL (TRL's), which a sampler that differs from the
   * policy (a quantized one) is compared on.
   */
  outputLogprobs?: boolean;
  /** Called with every token as it is chosen (the same events `generateStream` yields). */
  onToken?: (event: TokenEvent) => void;
}

export interface TokenEvent {
  readonly row: number;
  /** 0 for the token chosen after the prompt. */
  readonly step: number;
  readonly tokenId: number;
  /** Text this token completed (empty without a tokenizer, or while a character is partial). */
  readonly text: string;
  /** Set when this was the row's last token. */
  readonly finishReason: FinishReason | null;
}

export interface GenerateResult {
  /** Prompt followed by generated ids, per row, without padding. */
  readonly sequences: number[][];
  /** Generated ids only (an EOS that ended the row included). */
  readonly outputIds: number[][];
  /** Decoded `outputIds` (empty strings without a tokenizer). */
  readonly texts: string[];
  readonly finishReasons: FinishReason[];
  /** With `outputLogprobs`: each generated token's log-probability, per row, aligned with `outputIds`. */
  readonly logprobs?: number[][];
  readonly config: GenerationConfig;
  /** Prefill covers tracing and, on first use, compiling; decode covers every later step (and the consumer's time between tokens). */
  readonly timings: { readonly prefillMs: number; readonly decodeMs: number; readonly decodeSteps: number };
}

/** How each step turns one logits row into the row's next token. */
interface Picker {
  readonly rows: readonly GenerationRow[];
  readonly processors: readonly LogitsProcessor[];
  readonly choose: TokenChooser;
  readonly rng: Rng;
  /** Scores are the program's probabilities, softmax(logits / temperature), rather than logits. */
  readonly probabilities: boolean;
  /** Where chosen tokens' log-probs go (per row), and the temperature they are taken at; null: not kept. */
  readonly logprobs: { readonly rows: number[][]; readonly temperature: number } | null;
}

/** log softmax(scores / temperature)[token], from a row before any processor touched it. */
function logprobOf(scores: Float32Array, token: number, temperature: number): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i] / temperature);
  let total = 0;
  for (let i = 0; i < scores.length; i++) total += Math.exp(scores[i] / temperature - max);
  return scores[token] / temperature - max - Math.log(total);
}

/** Chooses a token for every unfinished row from scores [B, V]: logits, or probabilities for a picker without processors. */
function* pickTokens(p: Picker, output: HostTensor, step: number): Generator<TokenEvent> {
  const vocab = output.shape[1];
  const data = output.toFloat32();
  for (const [b, row] of p.rows.entries()) {
    if (row.finished) continue;
    const scores = data.subarray(b * vocab, (b + 1) * vocab);
    // Probabilities already are softmax(logits / temperature); logits are read before any processing.
    const raw = p.logprobs && !p.probabilities ? scores.slice() : null;
    for (const process of p.processors) process(scores, row);
    const tokenId = p.choose(scores, p.rng);
    if (p.logprobs) p.logprobs.rows[b].push(raw ? logprobOf(raw, tokenId, p.logprobs.temperature) : Math.log(scores[tokenId]));
    const { text, finishReason } = row.accept(tokenId);
    yield { row: b, step, tokenId, text, finishReason };
  }
}

/**
 * Generates for a batch, yielding each token as it is chosen and returning the result. Two
 * programs run: a prefill over the left-padded prompts (each different prompt once) and a
 * one-token decode step against a static cache, both compiled once per (batch, padded length,
 * cache slots).
 */
export async function* generateStream(
  model: CausalLM,
  executor: Executor,
  input: GenerateInput,
  options: GenerateOptions = {},
): AsyncGenerator<TokenEvent, GenerateResult, undefined> {
  const { tokenizer } = options;
  const prompts = promptIds(input, tokenizer, model.config);
  const longest = Math.max(...prompts.map((p) => p.length));
  const defaults = { generationConfig: options.generationConfig ?? null, modelConfig: model.config, tokenizerEosIds: tokenizer?.eosTokenIds };
  const config = resolveGenerationConfig(options, defaults, longest);
  if (config.stopStrings.length && !tokenizer) throw new Error('generate: stop strings need a tokenizer (options.tokenizer)');
  const padded = leftPad(prompts, config.padTokenId, options.promptMultiple ?? 16);
  const batch = prompts.length;
  // Repeated prompts (n samples of one prompt) are prefilled once; the cache copies each to its rows.
  const { distinct, rowOf } = distinctPrompts(prompts);
  const shared = distinct.length < batch;
  const prefillRows = shared ? leftPad(distinct, config.padTokenId, options.promptMultiple ?? 16) : padded;
  const start = performance.now();
  const prefill = tracePrefill(model, distinct.length, padded.length);
  // A prompt-learning method's virtual tokens take the cache's first slots, before the padding.
  const virtual = prefill.slots - padded.length;
  const multiple = options.cacheMultiple ?? 64;
  // Every slot the generation can fill, but the cache starts with room for the first steps and
  // grows (at least doubling what follows the prompt), since attention reads every slot it has.
  const capacity = roundUp(prefill.slots + config.maxNewTokens - 1, multiple);
  const grownCapacity = (full: number) => Math.min(capacity, roundUp(Math.max(full + 1, 2 * full - prefill.slots), multiple));
  checkContext(model.config, longest, config.maxNewTokens, virtual);

  const stop = stoppingCriteria(config);
  const rows = prompts.map((p) => new GenerationRow(p, stop, tokenizer, options.skipSpecialTokens ?? true));
  const logprobs = options.outputLogprobs ? { rows: prompts.map(() => []), temperature: config.doSample ? config.temperature : 1 } : null;
  const picker: Picker = { rows, processors: logitsPipeline(config), choose: tokenChooser(config), rng: new Rng(config.seed), probabilities: false, logprobs };
  // Decode steps draw from probabilities the program computes where no processor needs the host
  // (and, for log-probs, where those probabilities are the tempered softmax itself).
  const probabilities = logprobs && !temperedOnly(config) ? null : tracedSampling(config);
  const stepPicker: Picker = probabilities ? { ...picker, processors: [], choose: sampleProbabilities, probabilities: true } : picker;

  const { inputIds, positionIds, attentionMask } = prefillRows;
  const prefillProgram = executor.compile(prefill.outputs);
  const prefilled = await prefillProgram.run({ [INPUT_IDS]: inputIds, [POSITION_IDS]: positionIds, [ATTENTION_MASK]: attentionMask });
  const [prefillLogits, ...prefillKv] = prefilled;
  const layers = prefillKv.length / 2;
  const first = Math.min(capacity, roundUp(prefill.slots + 1, multiple));
  let cache = new StaticKvCache({ layers, batch, heads: prefill.kvHeads, capacity: first, headDim: prefill.headDim }, padded.pads, virtual);
  // Each repeat's keys and values go from the prefill's row straight into its cache row.
  cache.append(prefillKv, shared ? rowOf : undefined);
  const prefillMs = performance.now() - start;
  yield* pickTokens(picker, shared ? takeRows(prefillLogits, rowOf) : prefillLogits, 0);

  // Fed by reference: refilled in place each step, as are the cache buffers and mask.
  const ids = HostTensor.i64([batch, 1], new Array<number>(batch).fill(0));
  const positions = HostTensor.i64([batch, 1], new Array<number>(batch).fill(0));
  // The slot the new token takes: sliding windows count back from it, not from the cache's end.
  const slot = HostTensor.i64([1], [0]);
  const cacheFeeds = (c: StaticKvCache) => {
    const fed: Record<string, HostTensor> = { [INPUT_IDS]: ids, [POSITION_IDS]: positions, [ATTENTION_MASK]: c.mask, [CACHE_POSITION]: slot };
    c.keys.forEach((k, i) => (fed[pastName(i, 'k')] = k));
    c.values.forEach((v, i) => (fed[pastName(i, 'v')] = v));
    return fed;
  };
  let feeds = cacheFeeds(cache);
  let decode: Program | null = null;
  let steps = 0;
  const decodeStart = performance.now();
  while (!rows.every((r) => r.finished)) {
    if (cache.length === cache.shape.capacity) {
      cache = cache.grown(grownCapacity(cache.length));
      feeds = cacheFeeds(cache);
      decode = null;
    }
    decode ??= decodeProgram(model, executor, cache.shape, probabilities ?? undefined);
    rows.forEach((row, b) => {
      // A finished row still occupies its batch slot; it reads a pad whose output is ignored.
      ids.data[b] = BigInt(row.finished ? config.padTokenId : row.generated[row.generated.length - 1]);
      positions.data[b] = BigInt(cache.nextPosition(b));
    });
    slot.data[0] = BigInt(cache.length);
    const [output, ...kv] = await decode.run(feeds);
    cache.append(kv);
    yield* pickTokens(stepPicker, output, ++steps);
  }

  return {
    sequences: rows.map((r) => [...r.prompt, ...r.generated]),
    outputIds: rows.map((r) => r.generated),
    texts: rows.map((r) => r.text),
    finishReasons: rows.map((r) => r.finishReason as FinishReason),
    ...(logprobs ? { logprobs: logprobs.rows } : {}),
    config,
    timings: { prefillMs, decodeMs: performance.now() - decodeStart, decodeSteps: steps },
  };
}

/** Runs `generateStream` to the end, passing each token to `options.onToken`. */
export async function generate(model: CausalLM, executor: Executor, input: GenerateInput, options: GenerateOptions = {}): Promise<GenerateResult> {
  const stream = generateStream(model, executor, input, options);
  for (;;) {
    const next = await stream.next();
    if (next.done) return next.value;
    options.onToken?.(next.value);
  }
}
