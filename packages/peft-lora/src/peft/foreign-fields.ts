import { type ForeignFieldRule, type ForeignFieldTable, neutral } from '@tunekit/core';

/**
 * Fields another program (PEFT) writes into adapter_config.json that TuneKit does not implement,
 * under the core config kit's foreign-field rule: at a neutral value (PEFT's default: null, false,
 * empty, or a value only read by a feature that is off) the field is accepted and written back on
 * save; at any other value the file is refused, naming the field. User-written configs never get
 * here: unknown keys there stay errors.
 */

/** Configs read from a file keep the foreign fields they carried, for writing them back. */
export interface ForeignFieldsCarrier {
  readonly foreign?: Readonly<Record<string, unknown>>;
}

const { off, oneOf, anyValue, readOnlyWith } = neutral;

/** PEFT 0.21's adapter_config.json fields, with their defaults from its config dataclasses. */
export const FOREIGN_FIELDS: ForeignFieldTable = {
  // PeftConfig: provenance and runtime, never math.
  peft_version: { neutral: anyValue, feature: 'metadata' },
  auto_mapping: { neutral: anyValue, feature: 'metadata' },
  revision: { neutral: anyValue, feature: 'metadata' },
  runtime_config: { neutral: anyValue, feature: 'runtime settings' },
  modules_to_save: { neutral: off, feature: 'fully trained module copies' },
  // LoraConfig fields TuneKit does not implement.
  layers_pattern: { neutral: oneOf('layers', 'h', 'blocks', ['layers'], ['h'], ['blocks']), feature: 'a custom layer-list name for layers_to_transform' },
  layer_replication: { neutral: off, feature: 'layer replication' },
  loftq_config: { neutral: off, feature: 'LoftQ (quantised base weights)' },
  megatron_config: { neutral: off, feature: 'Megatron parallel layers' },
  megatron_core: { neutral: readOnlyWith('megatron_config', null), feature: 'Megatron parallel layers' },
  corda_config: { neutral: off, feature: 'CorDA (rewritten base weights)' },
  eva_config: { neutral: off, feature: 'EVA initialisation' },
  lora_ga_config: { neutral: off, feature: 'LoRA-GA (rewritten base weights)' },
  kasa_config: { neutral: off, feature: 'KaSA' },
  velora_config: { neutral: off, feature: 'VeLoRA' },
  monteclora_config: { neutral: off, feature: 'MonteCLoRA' },
  arrow_config: { neutral: off, feature: 'Arrow routing' },
  use_bdlora: { neutral: off, feature: 'block-diagonal LoRA' },
  alora_invocation_tokens: { neutral: off, feature: 'activated LoRA (aLoRA)' },
  lora_bias: { neutral: off, feature: 'a trained bias on lora_B' },
  use_qalora: { neutral: off, feature: 'QALoRA' },
  // Read only by QALoRA.
  qalora_group_size: { neutral: readOnlyWith('use_qalora', 16), feature: 'QALoRA pooling' },
  target_parameters: { neutral: off, feature: 'LoRA on raw parameters (MoE experts)' },
  trainable_token_indices: { neutral: off, feature: 'trainable token embeddings' },
  ensure_weight_tying: { neutral: off, feature: 'tied adapter copies of the embedding and head' },
  // PrefixTuningConfig: how a new prefix starts; a saved adapter carries its trained values.
  init_weights: { neutral: anyValue, feature: 'initialisation' },
};

/** The rule for adapter_config.json: PEFT's fields, refused by name when they would change the math. */
export const PEFT_FOREIGN_FIELDS: ForeignFieldRule = { library: 'PEFT', fields: FOREIGN_FIELDS };

/** `json` with the foreign fields a loaded config carried, keys sorted as PEFT's `json.dumps(sort_keys=True)` writes them. */
export function withForeignFields(json: Record<string, unknown>, config: ForeignFieldsCarrier): Record<string, unknown> {
  return sortedKeys({ ...json, ...(config.foreign ?? {}) });
}

export function sortedKeys(json: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
