import type { DatasetConfig } from '@tunekit/data';
import type { PeftMethod } from '@tunekit/peft-lora';
import { ConfigError, type Locate, closest, describeValue, isMapping, unknownKeyDetail } from './config-error.js';
import { type Check, check } from './field-checks.js';
import { type SectionContext, delegate, parseDataSection, parseEvaluationSection, parseModelSection, parseTrainingSection, withoutNulls } from './sections.js';
import { FULL_METHOD, type RunConfig, TASK_NAMES, type TaskName } from './run-config.types.js';

/** What a task implies for the other sections; values the user writes always win. */
const TASKS: Readonly<Record<TaskName, { readonly method: string; readonly data: Partial<DatasetConfig> }>> = {
  sft: { method: 'lora', data: {} },
  // Pretraining learns every token of plain text.
  pretrain: { method: FULL_METHOD, data: { format: 'text', train_on_inputs: true } },
};

const SCALARS: Readonly<Record<string, Check>> = {
  task: check.oneOf(TASK_NAMES),
  method: check.string,
  samples: check.stringList,
  seed: check.seed,
  plugins: check.stringList,
};
const SECTIONS = ['model', 'data', 'training', 'evaluation'];
const DEFAULT_SEED = 42;

export interface RunConfigContext extends SectionContext {
  readonly file: string;
  /** Registered PEFT methods by name: each may have an options section named after it (`lora:`). */
  readonly methods: ReadonlyMap<string, PeftMethod>;
}

/** The `plugins:` list, read before anything else: plugins may register the methods the rest names. */
export function parsePlugins(raw: Record<string, unknown>, locate: Locate): string[] {
  if (raw.plugins === undefined || raw.plugins === null) return [];
  const expected = check.stringList(raw.plugins);
  if (expected) throw new ConfigError(locate, ['plugins'], `expected ${expected}, got ${describeValue(raw.plugins)}`);
  return raw.plugins as string[];
}

function parseMethod(raw: Record<string, unknown>, method: string, ctx: RunConfigContext): unknown {
  const names = [FULL_METHOD, ...ctx.methods.keys()];
  if (!names.includes(method)) {
    const hint = closest(method, names);
    throw new ConfigError(ctx.locate, ['method'], `unknown method "${method}"${hint ? ` (did you mean "${hint}"?)` : `; expected one of ${names.join(', ')}`}`);
  }
  for (const name of ctx.methods.keys()) {
    if (raw[name] !== undefined && raw[name] !== null && name !== method) {
      throw new ConfigError(ctx.locate, [name], `options for method "${name}", but method is "${method}"`);
    }
  }
  const peft = ctx.methods.get(method);
  if (!peft) return null;
  const options = raw[method] ?? {};
  if (!isMapping(options)) throw new ConfigError(ctx.locate, [method], `expected a mapping of ${method} options, got ${describeValue(options)}`);
  return delegate(method, options, null, () => peft.parseConfig(withoutNulls(options)), ctx.locate);
}

/** Validates a whole run config (after `--set` overrides), section by section, in the order a reader checks them. */
export function parseRunConfig(raw: Record<string, unknown>, ctx: RunConfigContext): RunConfig {
  const known = [...Object.keys(SCALARS), ...SECTIONS, ...ctx.methods.keys()];
  for (const key of Object.keys(raw)) if (!known.includes(key)) throw new ConfigError(ctx.locate, [key], unknownKeyDetail(key, known));
  for (const [key, valid] of Object.entries(SCALARS)) {
    const expected = raw[key] === undefined || raw[key] === null ? undefined : valid(raw[key]);
    if (expected) throw new ConfigError(ctx.locate, [key], `expected ${expected}, got ${describeValue(raw[key])}`);
  }
  const task = (raw.task ?? 'sft') as TaskName;
  const seed = (raw.seed ?? DEFAULT_SEED) as number;
  const method = (raw.method ?? TASKS[task].method) as string;
  const model = parseModelSection(raw.model, ctx);
  const methodConfig = parseMethod(raw, method, ctx);
  const data = parseDataSection(raw.data, { ...TASKS[task].data, seed }, ctx);
  const training = parseTrainingSection(raw.training, { seed }, ctx);
  if (training.eval_strategy !== 'no' && data.validation_path === undefined && data.validation_split === 0) {
    throw new ConfigError(ctx.locate, ['training', 'eval_strategy'], `"${training.eval_strategy}" needs validation data: set data.validation_split or data.validation_path`);
  }
  return {
    file: ctx.file,
    baseDir: ctx.baseDir,
    model,
    task,
    method,
    methodConfig,
    data,
    training,
    evaluation: parseEvaluationSection(raw.evaluation, ctx),
    samples: (raw.samples ?? []) as string[],
    seed,
    plugins: parsePlugins(raw, ctx.locate),
  };
}
