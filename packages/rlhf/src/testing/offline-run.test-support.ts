import { type Batch, EventBus, type EventOf, type Executor, type Task, Trainer, parseTrainingArguments } from '@tunekit/core';
import { type CausalLM, loadModel } from '@tunekit/models';
import { createTinyModel } from '@tunekit/models/testing';
import { type AdapterHandle, FULL_METHOD, LORA_METHOD } from '@tunekit/peft-lora';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrecomputedRefLogps } from '../offline/reference/precomputed-ref-logps.js';
import { fixedSource } from './preference-batches.test-support.js';

export const tempDir = (tag: string): string => mkdtempSync(join(tmpdir(), `tunekit-rlhf-${tag}-`));

/** A tiny random Llama checkpoint (with the tiny tokenizer) for task specs. */
export async function tinyLlama(seed = 11): Promise<string> {
  return (await createTinyModel({ arch: 'llama', dir: tempDir('model'), seed })).dir;
}

export interface OfflineRunOptions {
  executor: Executor;
  modelDir: string;
  method: 'lora' | 'full';
  batches: readonly Batch[];
  /** The task for the adapted model; `store` is set when it is given one to wrap the data with. */
  task: (model: CausalLM, handle: AdapterHandle, outputDir: string) => { task: Task; store?: PrecomputedRefLogps | null };
  outputDir?: string;
  resume?: string;
  stopAt?: number;
  maxSteps?: number;
  /** Training arguments over the spec defaults (`gradient_accumulation_steps`, `logging_steps`, ...). */
  args?: Readonly<Record<string, unknown>>;
}

/** A run composed as the CLI composes it (model, method, task, trainer); records step losses and logged metrics. */
export async function offlineRun(o: OfflineRunOptions) {
  const model = (await loadModel(o.modelDir)).model as CausalLM;
  const handle = o.method === 'lora'
    ? LORA_METHOD.apply(model, LORA_METHOD.parseConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj', 'o_proj'] }), { seed: 1 })
    : FULL_METHOD.apply(model, null);
  const outputDir = o.outputDir ?? tempDir('run');
  const { task, store } = o.task(model, handle, outputDir);
  const bus = new EventBus();
  const steps: EventOf<'step'>[] = [];
  const logs: Record<string, number>[] = [];
  bus.on('step').subscribe((e) => {
    steps.push(e);
    if (e.step === o.stopAt) bus.command({ type: 'stop', reason: 'test' });
  });
  bus.on('log').subscribe((e) => logs.push(e.metrics));
  const rows = o.batches[0].tensors.input_ids.shape[0];
  const args = parseTrainingArguments({ output_dir: outputDir, per_device_train_batch_size: rows, learning_rate: 5e-3, max_steps: o.maxSteps ?? 6, logging_steps: 1, save_steps: 3, seed: 5, ...o.args, ...(o.resume ? { resume_from_checkpoint: o.resume } : {}) });
  const trainer = Trainer.create({ args, task, executor: o.executor, bus, checkpointer: handle.checkpointer() });
  const source = fixedSource(o.batches, rows);
  await trainer.train(store ? store.wrap(source) : source);
  return { steps, logs, outputDir, task };
}
