import { type Check, type FieldTable, checks, defaultsOf, rule } from '@tunekit/core';
import { peftError, peftTypeCheck, readPeftOptions, withForeign } from '../peft/config-validation.js';
import { type ForeignFieldsCarrier, withForeignFields } from '../peft/foreign-fields.js';

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

const moduleSpec = (expected: string): Check => rule((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')), expected);

/** PEFT's IA3Config fields: check and default. */
const IA3_FIELDS: FieldTable<Omit<Ia3Config, 'foreign'>> = {
  target_modules: { check: moduleSpec('a list of module names, a regex or "all-linear"'), default: null },
  exclude_modules: { check: moduleSpec('a list of module names or a regex'), default: null },
  feedforward_modules: { check: moduleSpec('a list of module names or a regex'), default: null },
  fan_in_fan_out: { check: checks.bool, default: false },
  modules_to_save: { check: rule((v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), 'a list of module names'), default: null },
  init_ia3_weights: { check: checks.bool, default: true },
  task_type: { check: checks.string, default: 'CAUSAL_LM' },
  base_model_name_or_path: { check: checks.string, default: null },
  inference_mode: { check: checks.bool, default: false },
};

export const IA3_DEFAULTS: Ia3Config = defaultsOf(IA3_FIELDS);

const WHERE = 'ia3 config';

/** Validates user or adapter_config.json options and fills PEFT's defaults. */
export function parseIa3Config(raw: Record<string, unknown>, opts: { fromPeftFile?: boolean } = {}): Ia3Config {
  const { config, foreign } = readPeftOptions(raw, IA3_FIELDS, WHERE, { ...opts, extraChecks: { peft_type: peftTypeCheck('IA3') } });
  checkFeedforwardSubset(config);
  return withForeign(config, foreign);
}

/** PEFT's rule, checked where both are lists (a regex cannot be compared with names). */
export function checkFeedforwardSubset(config: Pick<Ia3Config, 'target_modules' | 'feedforward_modules'>): void {
  const { target_modules: targets, feedforward_modules: ff } = config;
  if (!Array.isArray(targets) || !Array.isArray(ff)) return;
  const outside = ff.filter((m) => !targets.includes(m));
  if (outside.length) {
    throw peftError(WHERE, 'feedforward_modules', `${outside.map((m) => JSON.stringify(m)).join(', ')} ${outside.length > 1 ? 'are' : 'is'} not in target_modules ${JSON.stringify(targets)} (feedforward_modules must be a subset of target_modules)`);
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
