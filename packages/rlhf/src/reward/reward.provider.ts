import type { TaskProvider } from '@tunekit/core';
import { type DatasetConfigInput, describePreferenceData, preferenceDataWarnings, loadPreferenceDataset } from '@tunekit/data';
import type { SequenceClassificationModel } from '@tunekit/models';
import { type RewardConfig, parseRewardConfig } from './reward.config.js';
import { loadRewardModel } from './reward.model.js';
import { RewardTask } from './reward.task.js';

/** PEFT's SEQ_CLS task: the head is trained in full beside the adapter (what PeftModelForSequenceClassification adds). */
const HEAD_TRAINED = { task_type: 'SEQ_CLS', modules_to_save: ['score'] };

/**
 * `task: reward`: a reward model from preference pairs. The model is a sequence classifier (a new
 * `score` head on the causal LM's backbone, or a saved reward model), trained in full or with LoRA
 * (or (IA)³) and the head; the data are TRL's paired preference records.
 */
export const REWARD_TASK: TaskProvider<RewardConfig, SequenceClassificationModel> = {
  name: 'reward',
  defaultMethod: 'lora',
  dataDefaults: {},
  methodDefaults: { lora: HEAD_TRAINED, ia3: HEAD_TRAINED },
  parseConfig: (raw) => parseRewardConfig(raw),

  async loadData(data, _config, ctx) {
    const dataset = await loadPreferenceDataset(data as unknown as DatasetConfigInput, ctx.tokenizer, { cwd: ctx.cwd, resolveHubFiles: ctx.resolveHubFiles, rows: 'whole' });
    if (!dataset.train.paired) throw new Error('reward: a reward model learns from paired preferences {prompt?, chosen, rejected}; the data are unpaired (prompt, completion, label)');
    const validation = dataset.validation && ctx.evaluates ? dataset.validation.batcher(ctx.evalBatchSize) : null;
    return { train: dataset.train.batcher(ctx.trainBatchSize), validation, description: describePreferenceData(dataset), warnings: preferenceDataWarnings(dataset) };
  },

  loadModel: (dir, _config, ctx) => loadRewardModel(dir, { dtype: ctx.dtype, seed: ctx.seed, causalLm: ctx.causalLm }),
  ownModelWrapsCausalLm: true,

  create(model, config, context) {
    // A frozen head would score with its random init forever: PEFT's SEQ_CLS trains it beside the adapter.
    if (!model.namedParameters().some(([name, p]) => name.startsWith('score.') && p.requiresGrad)) {
      throw new Error(`reward: the score head is frozen under method "${context?.method ?? '?'}"; train it (modules_to_save: [score]) or use method: full`);
    }
    const pad = context && (context.tokenizer.padTokenId ?? context.tokenizer.eosTokenId);
    if (pad != null && model.config.padTokenId !== pad) {
      throw new Error(`reward: batches are padded with token ${pad}, but the model pools at the last token that is not pad_token_id ${model.config.padTokenId}; set pad_token_id in config.json to ${pad}`);
    }
    return new RewardTask(model, config);
  },
};
