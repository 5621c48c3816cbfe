import { EXECUTOR, MODEL_CHECKPOINTER, TASK, TRAINING_ARGUMENTS, Trainer, type TrainDataSource, publishFiles } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { type CausalLM, HfTokenizer, resolveDataset, resolveModel } from '@tunekit/models';
import type { DependencyContainer } from 'tsyringe';
import { EXIT_ON_SIGNAL } from '../cli-error.js';
import type { RunConfig } from '../config/run-config.types.js';
import { copyTokenizerFiles } from '../model-loading.js';
import { AccuracyProbe } from '../evaluation/accuracy-probe.js';
import { dataWarnings, describeData } from './data-summary.js';
import { describeBaseModel, loadBaseModel } from './base-model.js';
import { peftMethods, trainingTasks } from './run-container.js';
import { printSamples } from './samples.js';
import { prepareMethod } from './training-method.js';

const print = (line: string): void => console.log(line);

/**
 * `tunekit train` once the config is valid: model → method → data → (accuracy before) → trainer →
 * final adapter or model in output_dir → (accuracy after, samples). Returns the exit code.
 */
export async function runTraining(config: RunConfig, container: DependencyContainer): Promise<number> {
  const args = config.training;
  const executor = container.resolve(EXECUTOR);
  const modelDir = await resolveModel(config.model.path, config.model.revision === undefined ? {} : { revision: config.model.revision });
  // The config parser checked both names against these registries.
  const peft = peftMethods(container).get(config.method)!;
  const task = trainingTasks(container).get(config.task)!;
  const loaded = await loadBaseModel(config, modelDir, peft);
  const model = loaded.model as CausalLM;
  const tokenizer = await HfTokenizer.fromDir(modelDir);
  const generation = { model, executor, tokenizer, generationConfig: loaded.generationConfig };
  print(describeBaseModel(config, loaded));
  print(`executor: ${executor.name}`);
  const method = prepareMethod({ config, model, generationConfig: loaded.generationConfig, method: peft, tokenizer });
  print(`method: ${config.method}  ${method.trainableLine}`);

  const dataset = await loadDataset(config.data, tokenizer, {
    cwd: config.baseDir,
    resolveHubFiles: (ref) => resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] }),
  });
  print(describeData(dataset));
  for (const line of dataWarnings(dataset)) console.error(`warning: ${line}`);
  const packed = config.data.packing;
  const train = toTrainDataSource(dataset.train.batcher(args.per_device_train_batch_size), { packed });
  const evalData: TrainDataSource | undefined =
    dataset.validation && args.eval_strategy !== 'no' ? toTrainDataSource(dataset.validation.batcher(args.per_device_eval_batch_size), { packed }) : undefined;

  const probe = config.evaluation && (await AccuracyProbe.create(config.evaluation, generation, print));
  const before = probe && (await probe.measure('before training'));

  container.register(TRAINING_ARGUMENTS, { useValue: args });
  container.register(TASK, { useValue: task.create(model, config.taskConfig) });
  container.register(MODEL_CHECKPOINTER, { useValue: method.checkpointer });
  const trainer = container.resolve(Trainer);
  const result = await trainer.train(train, evalData ? { evalData } : {});
  // A signal (Ctrl-C, a preemption's SIGTERM) stopped the run after a checkpoint; early stopping ends it normally.
  if (result.interruptedBy) {
    print(`interrupted by ${result.interruptedBy} at step ${result.globalStep}; saved ${result.lastCheckpoint ?? 'nothing'}; resume with --set training.resume_from_checkpoint=true`);
    return EXIT_ON_SIGNAL[result.interruptedBy];
  }

  const written = await publishFiles(args.output_dir, async (staging) => {
    await method.saveFinal(staging);
    await copyTokenizerFiles(modelDir, staging);
  });
  print(`saved ${written.sort().join(', ')} in ${args.output_dir}`);
  const after = probe && (await probe.measure('after training'));
  await printSamples(config, generation, print);
  // Last on purpose: scripts and the quickstart read the final line.
  if (before && after) print(`accuracy: ${before} -> ${after}`);
  return 0;
}
