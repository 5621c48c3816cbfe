import { COLLECTIVES, type CausalLmModel, EXECUTOR, MODEL_CHECKPOINTER, TASK, TRAINING_ARGUMENTS, Trainer, publishFiles } from '@tunekit/core';
import { HfTokenizer, resolveModel } from '@tunekit/models';
import type { DependencyContainer } from 'tsyringe';
import { EXIT_ON_SIGNAL } from '../cli-error.js';
import type { RunConfig } from '../config/run-config.types.js';
import { copyTokenizerFiles } from '../model-loading.js';
import { AccuracyProbe } from '../evaluation/accuracy-probe.js';
import { loadRunModel } from './base-model.js';
import { loadRunData } from './run-data.js';
import { peftMethods, trainingTasks } from './run-container.js';
import { RunRecord } from './run-record.js';
import { printSamples } from './samples.js';
import { prepareMethod } from './training-method.js';

/**
 * `tunekit train` once the config is valid: model → method → data → (accuracy before) → trainer →
 * final adapter or model in output_dir → (accuracy after, samples). A task may bring its own model
 * and data (TaskProvider.loadModel, loadData); the SFT path is used otherwise. Returns the exit code.
 */
export async function runTraining(config: RunConfig, container: DependencyContainer): Promise<number> {
  const args = config.training;
  const executor = container.resolve(EXECUTOR);
  // In a job of several processes one rank speaks, measures and writes the final files.
  const main = !container.isRegistered(COLLECTIVES, true) || container.resolve(COLLECTIVES).rank === 0;
  const print = main ? (line: string): void => console.log(line) : (): void => undefined;
  const modelDir = await resolveModel(config.model.path, config.model.revision === undefined ? {} : { revision: config.model.revision });
  // The config parser checked both names against these registries.
  const peft = peftMethods(container).get(config.method)!;
  const task = trainingTasks(container).get(config.task)!;
  const loaded = await loadRunModel(config, modelDir, peft, task);
  const { model, generationConfig } = loaded;
  const tokenizer = await HfTokenizer.fromDir(modelDir);
  // The config parser refused evaluation and samples for a task whose model does not generate.
  const generation = loaded.causal && { model: loaded.causal, executor, tokenizer, generationConfig };
  const record = new RunRecord(config, executor.name);
  print(record.note('model', loaded.description));
  print(`executor: ${executor.name}`);
  const method = prepareMethod({ config, model, generationConfig, method: peft, tokenizer });
  record.notes.trainable = method.trainableLine;
  print(`method: ${config.method}  ${method.trainableLine}`);

  const data = await loadRunData(config, task, tokenizer);
  print(record.note('data', `data: ${data.description}`));
  for (const line of data.warnings ?? []) console.error(`warning: ${line}`);

  const probe = main && config.evaluation && generation && (await AccuracyProbe.create(config.evaluation, generation, print));
  const before = probe && (await probe.measure('before training'));

  container.register(TRAINING_ARGUMENTS, { useValue: args });
  const context = { tokenizer, executor, method: config.method, outputDir: args.output_dir, training: args, generationConfig, ...(method.disableAdapter ? { disableAdapter: method.disableAdapter } : {}), ...(method.withMergedAdapter ? { withMergedAdapter: method.withMergedAdapter } : {}) };
  // The registry is typed for causal-LM tasks; a task with its own loader gets the model it loaded.
  const runTask = task.create(model as CausalLmModel, config.taskConfig, context);
  container.register(TASK, { useValue: runTask });
  container.register(MODEL_CHECKPOINTER, { useValue: runTask.wrapCheckpointer?.(method.checkpointer) ?? method.checkpointer });
  const trainer = container.resolve(Trainer);
  const result = await trainer.train(data.train, data.validation ? { evalData: data.validation } : {});
  // A signal (Ctrl-C, a preemption's SIGTERM) stopped the run after a checkpoint; early stopping ends it normally.
  if (result.interruptedBy) {
    await record.finish(result, trainer.trainerState.log_history, print, console.error);
    print(`interrupted by ${result.interruptedBy} at step ${result.globalStep}; saved ${result.lastCheckpoint ?? 'nothing'}; resume with --set training.resume_from_checkpoint=true`);
    return EXIT_ON_SIGNAL[result.interruptedBy];
  }
  if (!main) return 0;

  const written = await publishFiles(args.output_dir, async (staging) => {
    await method.saveFinal(staging);
    await copyTokenizerFiles(modelDir, staging);
  });
  print(`saved ${written.sort().join(', ')} in ${args.output_dir}`);
  const after = probe && (await probe.measure('after training'));
  if (generation) record.notes.samples = await printSamples(config, generation, print);
  if (config.evaluation && before && after) record.notes.accuracy = { metric: config.evaluation.metric, before, after };
  await record.finish(result, trainer.trainerState.log_history, print, console.error);
  // Last on purpose: scripts and the quickstart read the final line.
  if (before && after) print(`accuracy: ${before} -> ${after}`);
  return 0;
}
