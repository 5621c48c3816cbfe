import { type Executor, type LinearQuantization, type Parameter, withQuantizedLinears } from '@tunekit/core';
import { type CausalLM, type FinishReason, type GenerateResult, type RawConfig, type TextTokenizer, generate } from '@tunekit/models';

/** How completions are sampled: TRL's GRPOConfig names, read by the online tasks' configs. */
export interface SamplingSettings {
  readonly temperature: number;
  /** 1 disables nucleus sampling. */
  readonly topP: number;
  /** 0 disables (TRL's default, unlike transformers' 50). */
  readonly topK: number;
  readonly repetitionPenalty: number;
  /** 0 disables min-p sampling. */
  readonly minP: number;
  /** New tokens per completion at most. */
  readonly maxCompletionLength: number;
}

export interface RolloutContext {
  readonly model: CausalLM;
  readonly executor: Executor;
  readonly tokenizer?: TextTokenizer;
  /** generation_config.json of the model: its EOS and pad ids (sampling settings come from `SamplingSettings`). */
  readonly generationConfig?: RawConfig | null;
  /**
   * Runs the sampling with the adapter merged into the base weights (the method's
   * `withMergedAdapter`): each decode step is then the base model's, not base plus the adapter's
   * two extra matmuls per layer. Without it the adapter runs unmerged.
   */
  readonly withMergedAdapter?: <T>(executor: Executor, fn: () => Promise<T>) => Promise<T>;
}

/** A sampler that is the policy with `weights` rounded to `quantization` (see `withQuantizedLinears`). */
export interface QuantizedSampler {
  readonly weights: readonly Parameter[];
  readonly quantization: LinearQuantization;
}

export interface Rollout {
  /** Prompt ids of each completion row: prompt i repeated `numGenerations` times, in order. */
  readonly promptIds: readonly (readonly number[])[];
  /** Sampled ids per row, an EOS that ended it included. */
  readonly completionIds: readonly (readonly number[])[];
  /** Decoded completions (special tokens skipped), as reward functions see them. */
  readonly completions: readonly string[];
  /** Rows that hit `maxCompletionLength` without an EOS (TRL's is_truncated). */
  readonly truncated: readonly boolean[];
  readonly finishReasons: readonly FinishReason[];
  /** The id fed after a finished row: what completions are right-padded with. */
  readonly padTokenId: number;
  readonly eosTokenIds: readonly number[];
  readonly generationMs: number;
  /** The generator's own split of that time (prefill, decode steps); the rest is the merge and restore. */
  readonly generatorTimings: GenerateResult['timings'];
  /**
   * Where a quantized sampler drew the completions: its log-prob of each sampled token under
   * softmax(logits / temperature), per row, for the importance-sampling correction. Absent where the
   * policy itself sampled.
   */
  readonly samplingLogprobs?: readonly (readonly number[])[];
}

/**
 * Samples `numGenerations` completions of every prompt in one batch through the KV-cache
 * generator, with the sampler seeded by `seed`: the same call outside training (`generate` with
 * these settings and that seed on the repeated prompts) gives the same tokens (with the adapter
 * merged, the same up to float rounding of the merged weights). The model is traced
 * in eval mode (no dropout), as TRL samples under `unwrap_model_for_generation`.
 */
export async function sampleRollout(
  ctx: RolloutContext,
  prompts: readonly (readonly number[])[],
  numGenerations: number,
  settings: SamplingSettings,
  seed: number,
  sampler: QuantizedSampler | null = null,
): Promise<Rollout> {
  const rows = prompts.flatMap((p) => Array.from({ length: numGenerations }, () => p));
  const wasTraining = ctx.model.training;
  ctx.model.train(false);
  const started = performance.now();
  const sample = (executor: Executor) =>
    generate(ctx.model, executor, rows, {
      ...(ctx.tokenizer ? { tokenizer: ctx.tokenizer } : {}),
      generationConfig: ctx.generationConfig ?? null,
      ...generationOptions(settings),
      seed,
      outputLogprobs: sampler !== null,
    });
  try {
    // The merge or the rounding (once per rollout) counts as generation time. A quantized sampler
    // keeps the adapter unmerged: its rounded base is then the same every rollout, packed once.
    const out = await (sampler
      ? withQuantizedLinears(ctx.executor, sampler.weights, sampler.quantization, sample)
      : ctx.withMergedAdapter
        ? ctx.withMergedAdapter(ctx.executor, () => sample(ctx.executor))
        : sample(ctx.executor));
    return {
      promptIds: rows,
      completionIds: out.outputIds,
      completions: out.texts,
      truncated: out.finishReasons.map((r) => r === 'length'),
      finishReasons: out.finishReasons,
      padTokenId: out.config.padTokenId,
      eosTokenIds: out.config.eosTokenIds,
      generationMs: performance.now() - started,
      generatorTimings: out.timings,
      ...(sampler ? { samplingLogprobs: out.logprobs! } : {}),
    };
  } finally {
    ctx.model.train(wasTraining);
  }
}

/** The generator's options for `settings`: always sampling, as TRL's trainers do. */
export function generationOptions(s: SamplingSettings) {
  return { doSample: true, temperature: s.temperature, topP: s.topP, topK: s.topK, repetitionPenalty: s.repetitionPenalty, minP: s.minP, maxNewTokens: s.maxCompletionLength };
}
