import type { TaskData, TaskProvider, TrainDataSource } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { resolveDataset } from '@tunekit/models';
import type { HfTokenizer } from '@tunekit/models';
import type { RunConfig } from '../config/run-config.types.js';
import { dataWarnings, describeData } from './data-summary.js';

const resolveHubFiles = (ref: { repo: string; revision?: string; pattern: string }) =>
  resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] });

/** The SFT and pretraining pipeline: records → format → chat template → tokens and loss masks → (packed) batches. */
async function loadSftData(config: RunConfig, tokenizer: HfTokenizer): Promise<TaskData> {
  const args = config.training;
  const dataset = await loadDataset(config.data, tokenizer, { cwd: config.baseDir, resolveHubFiles });
  const packed = config.data.packing;
  const train = toTrainDataSource(dataset.train.batcher(args.per_device_train_batch_size), { packed });
  const validation: TrainDataSource | null =
    dataset.validation && args.eval_strategy !== 'no' ? toTrainDataSource(dataset.validation.batcher(args.per_device_eval_batch_size), { packed }) : null;
  // describeData writes the whole log line; the run prints the prefix for every task alike.
  return { train, validation, description: describeData(dataset).replace(/^data: /, ''), warnings: dataWarnings(dataset) };
}

/** The run's batches: the task's own pipeline when it brings one (preference pairs, prompts), else the SFT loader. */
export function loadRunData(config: RunConfig, task: TaskProvider, tokenizer: HfTokenizer): Promise<TaskData> {
  if (!task.loadData) return loadSftData(config, tokenizer);
  const args = config.training;
  return task.loadData(config.data as unknown as Readonly<Record<string, unknown>>, config.taskConfig, {
    tokenizer,
    cwd: config.baseDir,
    resolveHubFiles,
    trainBatchSize: args.per_device_train_batch_size,
    evalBatchSize: args.per_device_eval_batch_size,
    evaluates: args.eval_strategy !== 'no',
  });
}
