// DPO composed from the packages, without the CLI: a model, a LoRA adapter whose disabled self is
// the reference, preference pairs, the DPO task, the trainer. Quoted in the README.
import { OrtExecutor, Trainer, parseTrainingArguments } from '@tunekit/core';
import { loadPreferenceDataset } from '@tunekit/data';
import { HfTokenizer, loadModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { DpoTask, adapterReference, parseDpoConfig } from '@tunekit/rlhf';

export async function trainDpo(modelDir: string, pairs: string, outputDir: string, maxSteps: number) {
  const { model } = await loadModel(modelDir);
  const tokenizer = await HfTokenizer.fromDir(modelDir);
  const lora = LORA_METHOD.apply(model, LORA_METHOD.parseConfig({ r: 16, lora_alpha: 32, target_modules: 'all-linear' }), { seed: 42 });
  // With LoRA the reference is the same model with the adapter switched off: no second copy.
  const task = new DpoTask(model, parseDpoConfig({ beta: 0.1, loss_type: 'sigmoid' }), adapterReference(model, (fn) => lora.disableAdapter(fn)));
  const data = await loadPreferenceDataset({ path: pairs, max_length: 96 }, tokenizer);
  const args = parseTrainingArguments({ output_dir: outputDir, max_steps: maxSteps, per_device_train_batch_size: 8, learning_rate: 1e-3, logging_steps: 1, save_steps: maxSteps });
  const trainer = Trainer.create({ args, task, executor: new OrtExecutor(), checkpointer: lora.checkpointer({ baseModel: modelDir }) });
  const result = await trainer.train(data.train.batcher(args.per_device_train_batch_size));
  await lora.save(outputDir, { baseModel: modelDir });
  return { result, logHistory: trainer.trainerState.log_history };
}
