import type { CausalLmModel, Task, TaskContext, TaskData, TaskDataContext, TaskProvider, TrainDataSource } from '@tunekit/core';
import { describePreferenceData, preferenceDataWarnings, loadPreferenceDataset } from '@tunekit/data';
import { type CausalLM, loadModel } from '@tunekit/models';
import { isAbsolute, resolve } from 'node:path';
import { type CpoConfig, parseCpoConfig } from '../config/cpo.config.js';
import { type DpoConfig, parseDpoConfig } from '../config/dpo.config.js';
import { DPO_EXAMPLE_CONFIG } from '../config/dpo.example-config.js';
import { type KtoConfig, parseKtoConfig } from '../config/kto.config.js';
import { type OrpoConfig, parseOrpoConfig } from '../config/orpo.config.js';
import { PrecomputedRefLogps } from '../reference/precomputed-ref-logps.js';
import { asCausalLm } from '../reference/reference-policy.js';
import { type ReferenceContext, selectReference } from '../reference/select-reference.js';
import { CpoTask, OrpoTask } from './cpo.task.js';
import { DpoTask } from './dpo.task.js';
import { KL_PREFIX, KtoTask } from './kto.task.js';

/** What every offline section has (TRL's sequence limits and dropout switch). */
interface OfflineSection {
  readonly max_length: number | null;
  readonly max_prompt_length: number | null;
  readonly max_completion_length: number | null;
}

/** The reference fields of DPO and KTO. */
interface ReferenceSection {
  readonly precompute_ref_log_probs: boolean;
  readonly ref_model: string | null;
}

/**
 * What a run's data step prepares for its task: the loaded `ref_model` and the precomputed store.
 * Keyed by the run's parsed section, the object `loadData` and `create` both receive.
 */
const runState = new WeakMap<object, { refModel: CausalLM | null; store: PrecomputedRefLogps | null }>();

const hasReference = (c: object): c is ReferenceSection => 'precompute_ref_log_probs' in c;

/** TRL's `max_length: null` is no limit; the data section wants a number. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

/** The preference pipeline of the data package, with the section's limits, and the reference prepared. */
async function loadOfflineData(data: Readonly<Record<string, unknown>>, config: OfflineSection, ctx: TaskDataContext, groups: readonly string[]): Promise<TaskData> {
  const dataset = await loadPreferenceDataset(
    { ...(data as { path: string }), max_length: config.max_length ?? NO_LIMIT },
    ctx.tokenizer as Parameters<typeof loadPreferenceDataset>[1],
    { cwd: ctx.cwd, ...(ctx.resolveHubFiles ? { resolveHubFiles: ctx.resolveHubFiles } : {}), truncation: { maxPromptLength: config.max_prompt_length, maxCompletionLength: config.max_completion_length } },
  );
  let refModel: CausalLM | null = null;
  let store: PrecomputedRefLogps | null = null;
  if (hasReference(config)) {
    if (config.ref_model) refModel = (await loadModel(isAbsolute(config.ref_model) ? config.ref_model : resolve(ctx.cwd, config.ref_model))).model;
    if (config.precompute_ref_log_probs) store = new PrecomputedRefLogps(groups);
  }
  runState.set(config, { refModel, store });
  const wrap = (s: TrainDataSource): TrainDataSource => (store ? store.wrap(s) : s);
  const validation = ctx.evaluates && dataset.validation ? wrap(dataset.validation.batcher(ctx.evalBatchSize)) : null;
  return { train: wrap(dataset.train.batcher(ctx.trainBatchSize)), validation, description: describePreferenceData(dataset), warnings: preferenceDataWarnings(dataset) };
}

/** The reference of a task with one, from the run's context and what its data step prepared. */
function reference(model: CausalLM, config: object, ctx: TaskContext | undefined, task: string) {
  if (!ctx) throw new Error(`${task} task: needs the run's context (executor, adapter, output dir) for its reference model`);
  const state = runState.get(config);
  const rc: ReferenceContext = { executor: ctx.executor, outputDir: ctx.outputDir, refModel: state?.refModel ?? null, precomputed: state?.store ?? null, ...(ctx.disableAdapter ? { disableAdapter: ctx.disableAdapter } : {}) };
  return selectReference(model, rc);
}

/** An offline task under its TRL name: its section, the preference data pipeline, and the task. */
function offlineTask<C extends OfflineSection>(name: string, parse: (raw: unknown) => C, make: (model: CausalLM, config: C, ctx?: TaskContext) => Task, groups: readonly string[] = ['']): TaskProvider<C> {
  return {
    name,
    defaultMethod: 'lora',
    dataDefaults: {},
    parseConfig: parse,
    loadData: (data, config, ctx) => loadOfflineData(data, config, ctx, groups),
    create: (model: CausalLmModel, config: C, ctx?: TaskContext) => make(asCausalLm(model, name), config, ctx),
  };
}

export const DPO_TASK: TaskProvider<DpoConfig> = { ...offlineTask<DpoConfig>('dpo', parseDpoConfig, (m, c, ctx) => new DpoTask(m, c, reference(m, c, ctx, 'dpo'))), exampleConfig: DPO_EXAMPLE_CONFIG };
export const CPO_TASK = offlineTask<CpoConfig>('cpo', parseCpoConfig, (m, c) => new CpoTask(m, c));
export const ORPO_TASK = offlineTask<OrpoConfig>('orpo', parseOrpoConfig, (m, c) => new OrpoTask(m, c));
export const KTO_TASK = offlineTask<KtoConfig>('kto', parseKtoConfig, (m, c, ctx) => new KtoTask(m, c, reference(m, c, ctx, 'kto')), ['', KL_PREFIX]);

/** The offline preference tasks, in registration order. */
export const OFFLINE_TASKS: readonly TaskProvider<never>[] = [DPO_TASK, CPO_TASK, ORPO_TASK, KTO_TASK] as unknown as TaskProvider<never>[];
