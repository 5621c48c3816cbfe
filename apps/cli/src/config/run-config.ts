import type { DatasetConfig } from '@tunekit/data';
import type { PeftMethod } from '@tunekit/peft-lora';
import { ConfigError, type Locate, closest, describeValue, isMapping, unknownKeyDetail } from './config-error.js';
import { type Check, check } from './field-checks.js';
import { type SectionContext, delegate, parseDataSection, parseEvaluationSection, parseModelSection, parseTrainingSection, withoutNulls } from './sections.js';
import { QUANTIZATION_SECTION, parseQuantizationSection } from './quantization-section.js';
import { FULL_METHOD, type ModelSpec, type RunConfig, TASK_NAMES, type TaskName } from './run-config.types.js';

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
const SECTIONS = ['model', QUANTIZATION_SECTION, 'data', 'training', 'evaluation'];
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

/** Method names other tools use for what is a method plus a setting here, and how to write them. */
const OTHER_TOOLS_METHODS: Readonly<Record<string, string>> = {
  qlora: 'QLoRA is LoRA on a quantized base: write method: lora and a quantization section, e.g. quantization: { load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true }',
};

function parseMethod(raw: Record<string, unknown>, method: string, ctx: RunConfigContext): unknown {
  const names = [FULL_METHOD, ...ctx.methods.keys()];
  if (!names.includes(method) && OTHER_TOOLS_METHODS[method]) throw new ConfigError(ctx.locate, ['method'], `"${method}": ${OTHER_TOOLS_METHODS[method]}`);
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

/** A quantized base is frozen int codes: only a method that trains new parameters on top of it can use one. */
function checkQuantizable(method: string, model: ModelSpec, ctx: RunConfigContext): void {
  if (method === FULL_METHOD) {
    throw new ConfigError(
      ctx.locate,
      [QUANTIZATION_SECTION],
      'full fine-tuning cannot train quantized weights (4/8-bit codes take no gradient updates); use a PEFT method such as method: lora (QLoRA), or drop the quantization section',
    );
  }
  if (model.trainFromScratch) {
    throw new ConfigError(ctx.locate, [QUANTIZATION_SECTION], 'model.train_from_scratch trains every weight from a random init, which a quantized base cannot do; drop one of them');
  }
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
  const quantization = parseQuantizationSection(raw[QUANTIZATION_SECTION], ctx);
  if (quantization) checkQuantizable(method, model, ctx);
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
    quantization,
    data,
    training,
    evaluation: parseEvaluationSection(raw.evaluation, ctx),
    samples: (raw.samples ?? []) as string[],
    seed,
    plugins: parsePlugins(raw, ctx.locate),
  };
}
