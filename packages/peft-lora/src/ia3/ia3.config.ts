import { PeftConfigError, expectType, is, rejectUnknownKeys } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, takeForeignFields, withForeignFields } from '../peft/foreign-fields.js';

/** Module names (matched as a suffix on a dot boundary), or one regex (full match). */
export type ModuleSpec = string[] | string;

/** (IA)³ options with PEFT's names and defaults (peft.IA3Config). */
export interface Ia3Config extends ForeignFieldsCarrier {
  /** The layers that get a learned vector; null for the architecture's default ('all-linear' takes every linear layer but the LM head). */
  target_modules: ModuleSpec | null;
  exclude_modules: ModuleSpec | null;
  /** Targets whose INPUT is scaled (the feed-forward down projection); the others scale their output. Must be a subset of target_modules. */
  feedforward_modules: ModuleSpec | null;
  /** Set for layers whose weight is stored [in, out] (GPT-2's Conv1D); detected automatically. */
  fan_in_fan_out: boolean;
  /** Modules trained in full and saved beside the adapter. */
  modules_to_save: string[] | null;
  /** Vectors start at one (the adapted model is the base model); false draws them from N(0, 1) as PEFT does. */
  init_ia3_weights: boolean;
  task_type: string;
  base_model_name_or_path: string | null;
  inference_mode: boolean;
}

export const IA3_DEFAULTS: Ia3Config = {
  target_modules: null,
  exclude_modules: null,
  feedforward_modules: null,
  fan_in_fan_out: false,
  modules_to_save: null,
  init_ia3_weights: true,
  task_type: 'CAUSAL_LM',
  base_model_name_or_path: null,
  inference_mode: false,
};

const WHERE = 'ia3 config';
const moduleSpec = (v: unknown) => is.string(v) || is.stringList(v);

/** Validates user or adapter_config.json options and fills PEFT's defaults. */
export function parseIa3Config(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): Ia3Config {
  const known = [...Object.keys(IA3_DEFAULTS), 'peft_type'];
  const foreign = opts.fromPeftFile ? takeForeignFields(raw, known, WHERE) : (rejectUnknownKeys(raw, known, WHERE), {});
  if (raw.peft_type !== undefined && raw.peft_type !== 'IA3') throw new PeftConfigError(WHERE, `peft_type: expected "IA3", got ${JSON.stringify(raw.peft_type)}`);
  expectType(raw, 'target_modules', moduleSpec, 'a list of module names, a regex or "all-linear"', WHERE);
  expectType(raw, 'exclude_modules', moduleSpec, 'a list of module names or a regex', WHERE);
  expectType(raw, 'feedforward_modules', moduleSpec, 'a list of module names or a regex', WHERE);
  expectType(raw, 'fan_in_fan_out', is.bool, 'true or false', WHERE);
  expectType(raw, 'modules_to_save', is.stringList, 'a list of module names', WHERE);
  expectType(raw, 'init_ia3_weights', is.bool, 'true or false', WHERE);
  expectType(raw, 'task_type', is.string, 'a string', WHERE);
  expectType(raw, 'base_model_name_or_path', is.string, 'a string', WHERE);
  expectType(raw, 'inference_mode', is.bool, 'true or false', WHERE);
  const config = { ...IA3_DEFAULTS, ...Object.fromEntries(Object.entries(raw).filter(([k, v]) => k in IA3_DEFAULTS && v !== null && v !== undefined)) } as Ia3Config;
  checkFeedforwardSubset(config);
  return Object.keys(foreign).length ? { ...config, foreign } : config;
}

/** PEFT's rule, checked where both are lists (a regex cannot be compared with names). */
export function checkFeedforwardSubset(config: Pick<Ia3Config, 'target_modules' | 'feedforward_modules'>): void {
  const { target_modules: targets, feedforward_modules: ff } = config;
  if (!Array.isArray(targets) || !Array.isArray(ff)) return;
  const outside = ff.filter((m) => !targets.includes(m));
  if (outside.length) {
    throw new PeftConfigError(WHERE, `feedforward_modules: ${outside.map((m) => JSON.stringify(m)).join(', ')} ${outside.length > 1 ? 'are' : 'is'} not in target_modules ${JSON.stringify(targets)} (feedforward_modules must be a subset of target_modules)`);
  }
}

/** adapter_config.json as PEFT writes it for IA3 (every key of IA3Config and PeftConfig, sorted as PEFT sorts them). */
export function toIa3PeftJson(config: Ia3Config): Record<string, unknown> {
  return withForeignFields({
    auto_mapping: null,
    base_model_name_or_path: config.base_model_name_or_path,
    exclude_modules: config.exclude_modules,
    fan_in_fan_out: config.fan_in_fan_out,
    feedforward_modules: config.feedforward_modules,
    inference_mode: true,
    init_ia3_weights: config.init_ia3_weights,
    modules_to_save: config.modules_to_save,
    peft_type: 'IA3',
    revision: null,
    target_modules: config.target_modules,
    task_type: config.task_type,
  }, config);
}
