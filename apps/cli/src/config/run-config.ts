import type { TaskProvider } from '@tunekit/core';
import type { DatasetConfig } from '@tunekit/data';
import type { PeftMethod } from '@tunekit/peft-lora';
import { ConfigError, type Locate, closest, describeValue, isMapping, unknownKeyDetail } from './config-error.js';
import { DEFAULT_EXECUTOR } from '../executor-choice.js';
import { type Check, check } from './field-checks.js';
import { type SectionContext, delegate, parseDataSection, parseEvaluationSection, parseModelSection, parseTrainingSection, withoutNulls } from './sections.js';
import { QUANTIZATION_SECTION, parseQuantizationSection } from './quantization-section.js';
import type { ModelSpec, RunConfig } from './run-config.types.js';

const SCALARS: Readonly<Record<string, Check>> = {
  task: check.string,
  executor: check.string,
  method: check.string,
  samples: check.stringList,
  seed: check.seed,
  plugins: check.stringList,
};
const SECTIONS = ['model', QUANTIZATION_SECTION, 'data', 'training', 'evaluation'];
const DEFAULT_SEED = 42;

export interface RunConfigContext extends SectionContext {
  readonly file: string;
  /** Registered PEFT methods by name: each may have an options section named after it (`lora:`). */
  readonly methods: ReadonlyMap<string, PeftMethod>;
  /** Registered tasks by name: one with a config parser may have a section named after it. */
  readonly tasks: ReadonlyMap<string, TaskProvider>;
  /** Names of the registered executors. */
  readonly executors: readonly string[];
}

const DEFAULT_TASK = 'sft';

/** A name from a registry, or an error at `key` with a did-you-mean or the list of names. */
function registered(name: string, names: readonly string[], key: string, what: string, locate: Locate): string {
  if (names.includes(name)) return name;
  const hint = closest(name, names);
  throw new ConfigError(locate, [key], `unknown ${what} "${name}"${hint ? ` (did you mean "${hint}"?)` : `; expected one of ${names.join(', ')}`}`);
}

/** Option sections of the registry entries not chosen are mistakes, not silently ignored settings. */
function rejectOtherSections(raw: Record<string, unknown>, names: Iterable<string>, chosen: string, what: string, locate: Locate): void {
  for (const name of names) {
    if (raw[name] !== undefined && raw[name] !== null && name !== chosen) throw new ConfigError(locate, [name], `options for ${what} "${name}", but ${what} is "${chosen}"`);
  }
}

/** The task and its options (the section named after it), parsed by the task. */
function parseTask(raw: Record<string, unknown>, ctx: RunConfigContext): { task: TaskProvider; config: unknown } {
  const name = registered((raw.task ?? DEFAULT_TASK) as string, [...ctx.tasks.keys()], 'task', 'task', ctx.locate);
  rejectOtherSections(raw, [...ctx.tasks.values()].filter((t) => t.parseConfig).map((t) => t.name), name, 'task', ctx.locate);
  const task = ctx.tasks.get(name)!;
  if (!task.parseConfig) return { task, config: null };
  const options = raw[name] ?? {};
  if (!isMapping(options)) throw new ConfigError(ctx.locate, [name], `expected a mapping of ${name} options, got ${describeValue(options)}`);
  return { task, config: delegate(name, options, null, () => task.parseConfig!(withoutNulls(options)), ctx.locate) };
}

/** The `plugins:` list, read before anything else: plugins may register the methods the rest names. */
export function parsePlugins(raw: Record<string, unknown>, locate: Locate): string[] {
  if (raw.plugins === undefined || raw.plugins === null) return [];
  const expected = check.stringList(raw.plugins);
  if (expected) throw new ConfigError(locate, ['plugins'], `expected ${expected}, got ${describeValue(raw.plugins)}`);
  return raw.plugins as string[];
}

/** Method names other tools use for what is a method plus a setting here, and how to write them. */
const OTHER_TOOLS_METHODS: Readonly<Record<string, string>> = {
  qlora: 'QLoRA is LoRA on a quantized base: write method: lora and a quantization section, e.g. quantization: { load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true }',
};

function parseMethod(raw: Record<string, unknown>, method: string, task: TaskProvider, ctx: RunConfigContext): unknown {
  const names = [...ctx.methods.keys()];
  if (!names.includes(method) && OTHER_TOOLS_METHODS[method]) throw new ConfigError(ctx.locate, ['method'], `"${method}": ${OTHER_TOOLS_METHODS[method]}`);
  registered(method, names, 'method', 'method', ctx.locate);
  rejectOtherSections(raw, ctx.methods.keys(), method, 'method', ctx.locate);
  const peft = ctx.methods.get(method)!;
  const options = raw[method] ?? {};
  if (!isMapping(options)) throw new ConfigError(ctx.locate, [method], `expected a mapping of ${method} options, got ${describeValue(options)}`);
  // What the task implies for this method (the reward head trained beside LoRA); the user's keys win.
  const given = { ...task.methodDefaults?.[method], ...withoutNulls(options) };
  return delegate(method, options, null, () => peft.parseConfig(given), ctx.locate);
}

/** A quantized base is frozen int codes: only a method that trains new parameters on top of it can use one. */
function checkQuantizable(method: PeftMethod, model: ModelSpec, ctx: RunConfigContext): void {
  if (method.trainsBaseWeights) {
    throw new ConfigError(
      ctx.locate,
      [QUANTIZATION_SECTION],
      `${method.trainsBaseWeights} cannot train quantized weights (4/8-bit codes take no gradient updates); use a PEFT method such as method: lora (QLoRA), or drop the quantization section`,
    );
  }
  if (model.trainFromScratch) {
    throw new ConfigError(ctx.locate, [QUANTIZATION_SECTION], 'model.train_from_scratch trains every weight from a random init, which a quantized base cannot do; drop one of them');
  }
}

/** What needs the causal LM (quantized loading, a random init, generating text) cannot serve a task that loads its own model. */
function checkOwnModel(raw: Record<string, unknown>, task: TaskProvider, model: ModelSpec, ctx: RunConfigContext): void {
  const loading: [unknown, string, string][] = [
    [raw[QUANTIZATION_SECTION], QUANTIZATION_SECTION, 'quantizes the causal LM while loading'],
    [model.trainFromScratch, 'model', 'train_from_scratch builds the causal LM from a random init'],
  ];
  // A task whose model wraps the run's causal LM (a reward head on its backbone) loads it as configured.
  const needsCausalLm: [unknown, string, string][] = [
    ...(task.ownModelWrapsCausalLm ? [] : loading),
    [raw.evaluation, 'evaluation', 'measures accuracy by generating text'],
    [raw.samples, 'samples', 'are completed by generating text'],
  ];
  for (const [value, key, what] of needsCausalLm) {
    if (value !== undefined && value !== null && value !== false) throw new ConfigError(ctx.locate, [key], `${key} ${what}, but task "${task.name}" loads its own model (not a causal LM); drop it`);
  }
}

/** Validates a whole run config (after `--set` overrides), section by section, in the order a reader checks them. */
export function parseRunConfig(raw: Record<string, unknown>, ctx: RunConfigContext): RunConfig {
  const taskSections = [...ctx.tasks.values()].filter((t) => t.parseConfig).map((t) => t.name);
  const known = [...Object.keys(SCALARS), ...SECTIONS, ...ctx.methods.keys(), ...taskSections];
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new ConfigError(ctx.locate, [key], unknownKeyDetail(key, known));
  for (const [key, valid] of Object.entries(SCALARS)) {
    const expected = raw[key] === undefined || raw[key] === null ? undefined : valid(raw[key]);
    if (expected) throw new ConfigError(ctx.locate, [key], `expected ${expected}, got ${describeValue(raw[key])}`);
  }
  const { task, config: taskConfig } = parseTask(raw, ctx);
  const executor = registered((raw.executor ?? DEFAULT_EXECUTOR) as string, ctx.executors, 'executor', 'executor', ctx.locate);
  const seed = (raw.seed ?? DEFAULT_SEED) as number;
  const method = (raw.method ?? task.defaultMethod) as string;
  const model = parseModelSection(raw.model, ctx);
  const methodConfig = parseMethod(raw, method, task, ctx);
  if (task.loadModel) checkOwnModel(raw, task, model, ctx);
  const quantization = parseQuantizationSection(raw[QUANTIZATION_SECTION], ctx);
  if (quantization) checkQuantizable(ctx.methods.get(method)!, model, ctx);
  const data = parseDataSection(raw.data, { ...(task.dataDefaults as Partial<DatasetConfig>), seed }, ctx);
  const warnings: string[] = [];
  const training = parseTrainingSection(raw.training, { seed }, ctx, warnings);
  if (training.eval_strategy !== 'no' && data.validation_path === undefined && data.validation_split === 0) {
    throw new ConfigError(ctx.locate, ['training', 'eval_strategy'], `"${training.eval_strategy}" needs validation data: set data.validation_split or data.validation_path`);
  }
  return {
    file: ctx.file,
    baseDir: ctx.baseDir,
    model,
    task: task.name,
    taskConfig,
    executor,
    method,
    methodConfig,
    quantization,
    data,
    training,
    evaluation: parseEvaluationSection(raw.evaluation, ctx),
    samples: (raw.samples ?? []) as string[],
    seed,
    plugins: parsePlugins(raw, ctx.locate),
    warnings,
  };
}
