import { join } from 'node:path';
import { inject, injectAll, injectable } from 'tsyringe';
import { readJsonObject } from '@tunekit/core';
import { loadPreferenceDataset } from '@tunekit/data';
import { HfTokenizer, modelHead, resolveDataset, resolveModel } from '@tunekit/models';
import { ADAPTER_CONFIG, PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { type PairScorer, type ScoreSummary, implicitRewardScorer, loadRewardModel, rewardModelScorer, scorePairs, summarizeScores } from '@tunekit/rlhf';
import { parseCommandArgs, positiveInt, required } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import { loadModelWithAdapter } from '../model-loading.js';
import type { ExecutorChoice } from '../executor-choice.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit score --model M [--adapter DIR] [--reference R [--beta B]] --data PAIRS [--max-length N] [--batch-size N] [--json]';
/** TRL DPOConfig's default β. */
const DEFAULT_BETA = 0.1;

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;
const num = (x: number): string => x.toFixed(4);

/**
 * `tunekit score`: how well a model ranks preference pairs. A reward model (a saved
 * `…ForSequenceClassification`, or a base with a SEQ_CLS adapter) scores every answer; a policy with
 * `--reference` scores with DPO's implicit reward β·(log π − log π_ref).
 */
@injectable()
export class ScoreCommand implements Command {
  readonly name = 'score';
  readonly summary = 'Preference accuracy and reward statistics of a reward model, or of a policy against its reference (DPO implicit reward)';
  readonly usage = [
    USAGE,
    '',
    '  --model M         A reward model folder or Hub id, or (with --reference) the policy',
    '  --adapter DIR     A saved adapter on top of M: a SEQ_CLS one makes a reward model, any other the policy',
    '  --reference R     The reference model: score with DPO’s implicit reward β·(log π(y|x) − log π_ref(y|x))',
    `  --beta B          β of the implicit reward (default ${DEFAULT_BETA})`,
    '  --data PAIRS      Preference pairs {prompt?, chosen, rejected} in any file format `tunekit train` reads',
    '  --max-length N    Truncate pairs to N tokens as training does (default 1024)',
    '  --batch-size N    Pairs per forward pass (default 8)',
    '  --json            Print one JSON object (with `accuracy`)',
  ].join('\n');

  constructor(
    @inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        adapter: { type: 'string' },
        reference: { type: 'string' },
        beta: { type: 'string' },
        data: { type: 'string' },
        'max-length': { type: 'string' },
        'batch-size': { type: 'string' },
        json: { type: 'boolean' },
      },
      USAGE,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const modelId = required(values.model, '--model', USAGE);
    const data = required(values.data, '--data', USAGE);
    const maxLength = positiveInt(values['max-length'], '--max-length', 1024);
    const batchSize = positiveInt(values['batch-size'], '--batch-size', 8);
    const beta = values.beta === undefined ? DEFAULT_BETA : Number(values.beta);
    if (!(beta > 0) || !Number.isFinite(beta)) throw new UsageError(`--beta: expected a positive number, got "${values.beta}"`);
    if (values.beta !== undefined && values.reference === undefined) throw new UsageError('--beta scales the implicit reward, which needs --reference');

    const dir = await resolveModel(modelId);
    const tokenizer = await HfTokenizer.fromDir(dir);
    const scorer = values.reference === undefined ? await this.rewardModel(dir, modelId, values.adapter) : await this.implicitReward(modelId, values.adapter, values.reference, beta);
    const dataset = await loadPreferenceDataset({ path: data, max_length: maxLength, shuffle: false }, tokenizer, {
      // A reward model scores the rows RewardTrainer trains on; the implicit reward reads DPO's completions.
      rows: values.reference === undefined ? 'whole' : 'prompt_completion',
      resolveHubFiles: (ref) => resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] }),
    });
    if (!dataset.train.paired) throw new CliError(`${data}: scoring needs paired preferences {prompt?, chosen, rejected}, not unpaired (prompt, completion, label) rows`);
    const summary = summarizeScores(await scorePairs(dataset.train.batcher(batchSize), scorer, this.executors.create()));
    const mode = values.reference === undefined ? { mode: 'reward_model' } : { mode: 'implicit_reward', reference: values.reference, beta };
    const dropped = dataset.stats.dropped;
    if (values.json) console.log(JSON.stringify({ model: modelId, adapter: values.adapter ?? null, ...mode, data, dropped, ...summary }));
    else for (const line of describe(summary, dropped)) console.log(line);
    return 0;
  }

  /** A reward model: a saved sequence classifier, or a base with a SEQ_CLS adapter (its head in modules_to_save). */
  private async rewardModel(dir: string, modelId: string, adapter: string | undefined): Promise<PairScorer> {
    const head = modelHead(await readJsonObject(join(dir, 'config.json')));
    const adapterConfig = adapter === undefined ? null : await readJsonObject(join(adapter, ADAPTER_CONFIG));
    if (head !== 'sequence-classification' && adapterConfig?.task_type !== 'SEQ_CLS') {
      throw new CliError(`--model ${modelId} is a causal LM${adapter ? ` and ${adapter} no SEQ_CLS adapter` : ''}: give a reward model (a …ForSequenceClassification folder, or a base with a SEQ_CLS adapter), or score the policy with --reference`, 2);
    }
    const { model } = await loadRewardModel(dir, { dtype: 'f32', seed: 0 });
    if (adapter !== undefined && adapterConfig) {
      const method = this.methods.find((m) => m.recognises(adapterConfig));
      if (!method) throw new CliError(`${join(adapter, ADAPTER_CONFIG)}: no registered method reads peft_type ${JSON.stringify(adapterConfig.peft_type)}`);
      await method.load(model, adapter, { trainable: false });
    }
    model.train(false);
    return rewardModelScorer(model);
  }

  private async implicitReward(modelId: string, adapter: string | undefined, reference: string, beta: number): Promise<PairScorer> {
    const policy = await loadModelWithAdapter(modelId, adapter, { methods: this.methods });
    const ref = await loadModelWithAdapter(reference, undefined, { methods: this.methods });
    policy.model.train(false);
    ref.model.train(false);
    return implicitRewardScorer(policy.model, ref.model, beta);
  }
}

function describe(s: ScoreSummary, dropped: number): string[] {
  return [
    `pairs: ${s.pairs}${dropped ? ` (${dropped} dropped, too long for --max-length)` : ''}`,
    `rewards/chosen: mean ${num(s.chosen.mean)}, std ${num(s.chosen.std)}`,
    `rewards/rejected: mean ${num(s.rejected.mean)}, std ${num(s.rejected.std)}`,
    `margin: mean ${num(s.margin)}`,
    // Last on purpose, like train's accuracy line: scripts read the final line.
    `accuracy: ${percent(s.accuracy)} (chosen above rejected in ${Math.round(s.accuracy * s.pairs)} of ${s.pairs} pairs)`,
  ];
}
