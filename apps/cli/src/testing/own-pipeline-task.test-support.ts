import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CausalLmTask, InMemoryDataSource, TASK_PROVIDER, type Task, type TaskProvider, Tensor, lossTokens } from '@tunekit/core';
import { loadModel } from '@tunekit/models';
import type { DependencyContainer } from 'tsyringe';

/** What the probe task saw of the run, written beside output_dir (`<output_dir>.probe.json`, which the run wants empty) when it was created. */
export interface ProbeRecord {
  readonly method: string;
  readonly executor: string;
  readonly outputDir: string;
  readonly hasDisableAdapter: boolean;
  readonly hasMergedAdapter: boolean;
  readonly eosTokenId: number | null | undefined;
  readonly dataPath: unknown;
  readonly trainBatchSize: number;
}

export const probeFile = (outputDir: string): string => `${outputDir}.probe.json`;
export const PROBE_TASK_NAME = 'probe_pipeline';

/**
 * A plugin task that brings its own data and model through the TaskProvider hooks: its data are
 * the data file's lines tokenized by the run's tokenizer (every token learned), its model is loaded
 * by its own loader, and its `base_loss` metric is the loss traced with the adapter switched off.
 */
const PROBE_TASK: TaskProvider<{ rows: number }> = {
  name: PROBE_TASK_NAME,
  defaultMethod: 'lora',
  dataDefaults: {},
  parseConfig: (raw) => ({ rows: typeof raw.rows === 'number' ? raw.rows : 8 }),
  async loadData(data, config, ctx) {
    const file = resolve(ctx.cwd, data.path as string);
    const texts = (await readFile(file, 'utf8')).split('\n').filter(Boolean).slice(0, config.rows);
    const ids = texts.map((t) => ctx.tokenizer.encode(t, { addSpecialTokens: false }).slice(0, 6));
    const width = Math.min(...ids.map((r) => r.length));
    const examples = ids.map((r) => ({ input_ids: r.slice(0, width), labels: r.slice(0, width) }));
    probeData = { dataPath: data.path, trainBatchSize: ctx.trainBatchSize };
    return { train: new InMemoryDataSource(examples, { batchSize: ctx.trainBatchSize, seed: 1 }), validation: null, description: `${examples.length} probe rows of ${width} tokens` };
  },
  async loadModel(dir) {
    const loaded = await loadModel(dir);
    return { model: loaded.model, generationConfig: loaded.generationConfig, description: 'probe loader' };
  },
  create(model, _config, context): Task {
    if (!context) throw new Error(`${PROBE_TASK_NAME}: needs the run's context`);
    const record: ProbeRecord = {
      method: context.method,
      executor: context.executor.name,
      outputDir: context.outputDir,
      hasDisableAdapter: context.disableAdapter !== undefined,
      hasMergedAdapter: context.withMergedAdapter !== undefined,
      eosTokenId: context.tokenizer.eosTokenId,
      ...(probeData as { dataPath: unknown; trainBatchSize: number }),
    };
    mkdirSync(dirname(context.outputDir), { recursive: true });
    writeFileSync(probeFile(context.outputDir), JSON.stringify(record));
    const task = new CausalLmTask(model, { labelsShiftedInside: true });
    const { disableAdapter } = context;
    if (!disableAdapter) return task;
    // The same inputs traced twice: through the adapter, and with it switched off (the base).
    return Object.assign(Object.create(task) as Task, {
      trace(batch: Parameters<Task['trace']>[0]) {
        const { input_ids: ids, labels } = batch.tensors;
        const inputs = [Tensor.input('input_ids', ids.shape, ids.dtype), Tensor.input('labels', labels.shape, labels.dtype)] as const;
        const loss = model.loss(...inputs);
        return { loss, weight: lossTokens(labels, true), metrics: { base_loss: disableAdapter(() => model.loss(...inputs)) } };
      },
    });
  },
};

let probeData: { dataPath: unknown; trainBatchSize: number } | null = null;

export function register(container: DependencyContainer): void {
  container.register(TASK_PROVIDER, { useValue: PROBE_TASK });
}
