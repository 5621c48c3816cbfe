import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { type Executor, type FloatDType, HostTensor, Tensor, type TaskTokenizer, readJsonObject, takeTracedFeeds } from '@tunekit/core';
import { type ChatMessage, TEXT_ROWS, encodeConversation, encodeTextRow } from '@tunekit/data';
import { HfTokenizer, ModelConfigError, type SequenceClassificationModel, modelHead, resolveModel } from '@tunekit/models';
import { ADAPTER_CONFIG, IA3_METHOD, LORA_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { loadRewardModel } from '../reward/reward.model.js';
import { type NamedRewardFunction, type RewardInputs, loadRewardFunction } from './reward-functions.js';

/** The methods a `task: reward` run trains a head beside (its SEQ_CLS adapters). */
const SEQ_CLS_METHODS: readonly PeftMethod[] = [LORA_METHOD, IA3_METHOD];

/** Rows are right-padded to a multiple of this, so nearby lengths share one compiled program. */
const LENGTH_MULTIPLE = 16;

/** A reward model ready to score: the sequence classifier, its own tokenizer, and the name metrics use. */
export interface LoadedRewardModel {
  readonly name: string;
  readonly model: SequenceClassificationModel;
  readonly tokenizer: TaskTokenizer;
  /** The folder it was read from (an adapter's, for base + adapter). */
  readonly dir: string;
  /** Whether it was a base with a PEFT adapter (merged into it here), not a whole `…ForSequenceClassification` folder. */
  readonly adapter: boolean;
}

/** A local folder (from `baseDir`) when one exists there, else a Hub id resolved through the cache. */
async function localOrHub(spec: string, baseDir: string): Promise<string> {
  const local = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  return existsSync(local) ? local : resolveModel(spec);
}

/**
 * Loads a reward model: a `…ForSequenceClassification` folder with one label (TuneKit's full save
 * or transformers'), or a base with a PEFT SEQ_CLS adapter (what `task: reward` with LoRA or (IA)³
 * saves; the base is the adapter's `base_model_name_or_path`, read from `baseDir`, the adapter's
 * folder, or the Hub). A causal LM is refused: its head would be random, so its scores would be noise.
 */
export async function loadRewardModelFrom(spec: string, baseDir: string, opts: { dtype: FloatDType } = { dtype: 'f32' }): Promise<LoadedRewardModel> {
  const dir = await localOrHub(spec, baseDir);
  const adapterFile = join(dir, ADAPTER_CONFIG);
  if (existsSync(adapterFile)) {
    const adapterConfig = await readJsonObject(adapterFile);
    if (adapterConfig.task_type !== 'SEQ_CLS') throw new ModelConfigError(adapterFile, 'task_type', `a reward model's adapter is a SEQ_CLS one (trained by task: reward), got ${JSON.stringify(adapterConfig.task_type ?? null)}`);
    const method = SEQ_CLS_METHODS.find((m) => m.recognises(adapterConfig));
    if (!method) throw new ModelConfigError(adapterFile, 'peft_type', `a reward model's adapter is LoRA or IA3, got ${JSON.stringify(adapterConfig.peft_type ?? null)}`);
    const baseName = adapterConfig.base_model_name_or_path;
    if (typeof baseName !== 'string' || !baseName) throw new ModelConfigError(adapterFile, 'base_model_name_or_path', 'names no base model to put the adapter on');
    const base = existsSync(resolve(baseDir, baseName)) || isAbsolute(baseName) ? resolve(baseDir, baseName) : await localOrHub(baseName, dir);
    const loaded = await loadRewardModel(base, { dtype: opts.dtype, seed: 0 });
    // Folded in: the same function, one plain model to score with (or to train in full, as PPO's value model).
    const model = (await method.load(loaded.model, dir, { trainable: false })).mergeAndUnload() as SequenceClassificationModel;
    model.train(false);
    const tokenizer = await HfTokenizer.fromDir(existsSync(join(dir, 'tokenizer.json')) ? dir : base);
    return { name: basename(spec), model, tokenizer, dir, adapter: true };
  }
  if (modelHead(await readJsonObject(join(dir, 'config.json'))) !== 'sequence-classification') {
    throw new Error(`reward model ${spec}: ${dir} is a causal LM, whose new reward head would score at random; give a reward model (a …ForSequenceClassification folder from task: reward, or a base with its SEQ_CLS adapter)`);
  }
  const { model } = await loadRewardModel(dir, { dtype: opts.dtype, seed: 0 });
  model.train(false);
  return { name: basename(spec), model, tokenizer: await HfTokenizer.fromDir(dir), dir, adapter: false };
}

/**
 * A reward model's scores of token rows, `batchSize` rows per forward pass: each batch is
 * right-padded with the model's pad id, and the model reads each row's last non-pad token (as
 * transformers' `…ForSequenceClassification` does). A row longer than a learned-position model's
 * positions is refused.
 */
export async function scoreRows(model: SequenceClassificationModel, executor: Executor, rows: readonly (readonly number[])[], batchSize: number): Promise<number[]> {
  const { rope, maxPositionEmbeddings, modelType } = model.config;
  const longest = Math.max(0, ...rows.map((r) => r.length));
  // TRL scores rows untruncated; past learned position embeddings torch fails on an index, so this refuses with the cause.
  if (rope === null && longest > maxPositionEmbeddings) {
    throw new RangeError(`reward model: a ${longest}-token row passes ${modelType}'s ${maxPositionEmbeddings} positions (learned position embeddings); rows are scored whole, as TRL scores them, so shorten the prompts or max_completion_length`);
  }
  const pad = model.config.padTokenId;
  if (pad === null && rows.length > 1) throw new ModelConfigError('config.json', 'pad_token_id', 'a reward model scoring a batch needs a pad id to find each row’s last token');
  const scores: number[] = [];
  for (let start = 0; start < rows.length; start += batchSize) {
    const chunk = rows.slice(start, start + batchSize);
    const width = Math.ceil(Math.max(1, ...chunk.map((r) => r.length)) / LENGTH_MULTIPLE) * LENGTH_MULTIPLE;
    const ids = HostTensor.i64([chunk.length, width], new Array<number>(chunk.length * width).fill(pad ?? 0));
    const mask = HostTensor.zeros('i64', [chunk.length, width]);
    chunk.forEach((row, r) =>
      row.forEach((id, t) => {
        ids.data[r * width + t] = BigInt(id);
        mask.data[r * width + t] = 1n;
      }),
    );
    const out = model.call(Tensor.input('reward_input_ids', ids.shape, 'i64'), { attentionMask: Tensor.input('reward_attention_mask', mask.shape, 'i64') });
    const [values] = await executor.compile([out.reshape(chunk.length)]).run({ reward_input_ids: ids, reward_attention_mask: mask, ...takeTracedFeeds() });
    scores.push(...values.toFloat32());
  }
  return scores;
}

/** How a reward model in `reward_funcs` scores: rows per forward pass, and the template variables of its renders. */
export interface RewardModelScoring {
  readonly batchSize: number;
  /** TRL's `chat_template_kwargs`, passed to the reward model's chat template. */
  readonly chatTemplateKwargs?: Readonly<Record<string, unknown>>;
}

const asTurns = (x: string | readonly ChatMessage[], role: ChatMessage['role']): readonly ChatMessage[] => (typeof x === 'string' ? [{ role, content: x }] : x);

/**
 * The token rows a reward model scores, built as TRL 1.9's GRPOTrainer and RLOOTrainer build them
 * (`_calculate_rewards`): when the first prompt is a conversation, the whole conversation, prompt
 * then completion, rendered as `task: reward` trains on it (`encodeConversation`, with
 * `chat_template_kwargs`); otherwise prompt + completion under the `scoring` rule of `TEXT_ROWS`
 * (no eos appended and no special tokens, where reward training adds both). Rows are not truncated
 * (TRL passes no `truncation` to the tokenizer).
 */
export function rewardRows(tokenizer: TaskTokenizer, inputs: Pick<RewardInputs, 'prompts' | 'completions'>, chatTemplateKwargs: Readonly<Record<string, unknown>> = {}): number[][] {
  const conversational = inputs.prompts.length > 0 && typeof inputs.prompts[0] !== 'string';
  return inputs.prompts.map((prompt, i) => {
    const completion = inputs.completions[i];
    // A text completion of a conversation (a custom rollout) is the assistant's turn, as TRL's shape has it.
    return conversational
      ? encodeConversation([...asTurns(prompt, 'user'), ...asTurns(completion, 'assistant')], tokenizer, { extra: chatTemplateKwargs })
      : encodeTextRow(textOf(prompt, 'prompt', i), textOf(completion, 'completion', i), tokenizer, TEXT_ROWS.scoring);
  });
}

/** A row's text where the batch is text (TRL concatenates strings there; a conversation cannot be). */
function textOf(x: string | readonly ChatMessage[], what: string, i: number): string {
  if (typeof x !== 'string') throw new Error(`reward model: ${what} ${i} is a conversation but the first prompt is text; TRL renders a batch as one kind`);
  return x;
}

/**
 * A reward model as one of `reward_funcs` (TRL's model entry): each prompt and completion as the
 * token row TRL scores (`rewardRows`), scored `batchSize` rows at a time on `executor`.
 */
export function rewardModelFunction(loaded: LoadedRewardModel, executor: Executor, scoring: RewardModelScoring): NamedRewardFunction {
  return {
    name: loaded.name,
    fn: (inputs) => scoreRows(loaded.model, executor, rewardRows(loaded.tokenizer, inputs, scoring.chatTemplateKwargs), scoring.batchSize),
  };
}

/** One entry of `reward_funcs`: a TypeScript function, or a reward model waiting for the run's executor. */
export type RewardSource = NamedRewardFunction | LoadedRewardModel;

/**
 * `path#export` is a TypeScript reward function; anything else is a reward model's folder or Hub id,
 * as TRL's `reward_funcs` takes a model id beside Python functions.
 */
export const loadRewardSource = (spec: string, baseDir: string): Promise<RewardSource> => (spec.includes('#') ? loadRewardFunction(spec, baseDir) : loadRewardModelFrom(spec, baseDir));

/** A reward source as the function the task calls: reward models score on the run's executor. */
export const bindRewardSource = (source: RewardSource, executor: Executor, scoring: RewardModelScoring): NamedRewardFunction =>
  'fn' in source ? source : rewardModelFunction(source, executor, scoring);
