import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIa3Config, toIa3PeftJson } from '../ia3/ia3.config.js';
import { parseLoraConfig, toPeftJson } from '../lora/lora.config.js';
import { readAdapterConfig } from '../lora/lora.io.js';
import { parsePrefixTuningConfig } from '../prefix-tuning/prefix-tuning.config.js';
import { tempDir } from '../testing/causal-lm.test-support.js';
import { GOLDEN_PEFT } from '../testing/golden-peft.test-support.js';
import { FOREIGN_FIELDS } from './foreign-fields.js';

const peftConfig = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(GOLDEN_PEFT, 'peft-saved', name, 'adapter', 'adapter_config.json'), 'utf8'));

/** For every field of the table, a value that turns its feature on (metadata fields have none). */
const NON_NEUTRAL: Record<string, unknown> = {
  layers_pattern: 'decoder_blocks',
  layer_replication: [[0, 2], [1, 3]],
  loftq_config: { loftq_bits: 4, loftq_iter: 1 },
  megatron_config: { tensor_model_parallel_size: 2 },
  corda_config: { cache_file: 'c.pt' },
  eva_config: { rho: 2 },
  lora_ga_config: { direction: 'ArB2r' },
  kasa_config: { beta: 1e-4, gamma: 1e-3 },
  velora_config: { num_groups: 32 },
  monteclora_config: { num_samples: 4 },
  arrow_config: { top_k: 3 },
  use_bdlora: { nblocks: 2 },
  alora_invocation_tokens: [128, 9],
  lora_bias: true,
  use_qalora: true,
  target_parameters: ['feed_forward.experts.gate_up_proj'],
  trainable_token_indices: [0, 1],
  ensure_weight_tying: true,
};
/** Settings read only by another feature: neutral while it is off, refused with it. */
const DEPENDENT: Record<string, { value: unknown; feature: Record<string, unknown>; refusal: string }> = {
  megatron_core: { value: 'my.megatron', feature: { megatron_config: { tensor_model_parallel_size: 2 } }, refusal: 'turns on Megatron parallel layers' },
  qalora_group_size: { value: 32, feature: { use_qalora: true }, refusal: 'turns on QALoRA' },
};
/** Foreign to prompt learning only (LoRA and IA3 implement it). */
const PROMPT_LEARNING_NON_NEUTRAL = { modules_to_save: ['lm_head'] };
const METADATA = ['peft_version', 'auto_mapping', 'revision', 'runtime_config', 'init_weights'];

describe('foreign adapter_config.json fields (PEFT 0.21)', () => {
  it('every field of the table is either metadata or has a refused value here', () => {
    expect(Object.keys(FOREIGN_FIELDS).sort()).toEqual([...METADATA, ...Object.keys(NON_NEUTRAL), ...Object.keys(DEPENDENT), ...Object.keys(PROMPT_LEARNING_NON_NEUTRAL)].sort());
  });

  it("accepts PEFT 0.21's LoRA config with every field at its neutral value and writes it back unchanged", () => {
    for (const name of ['lora', 'lora_rslora_qv', 'dora']) {
      const raw = peftConfig(name);
      for (const key of ['kasa_config', 'velora_config', 'monteclora_config', 'lora_ga_config', 'arrow_config', 'use_bdlora', 'alora_invocation_tokens', 'ensure_weight_tying', 'target_parameters', 'trainable_token_indices', 'qalora_group_size', 'use_qalora', 'peft_version']) {
        expect(raw, `${name} ${key}`).toHaveProperty(key);
      }
      expect(toPeftJson(parseLoraConfig(raw, { fromPeftFile: true }))).toEqual(raw);
    }
  });

  it("accepts PEFT 0.21's IA3 config and writes it back unchanged", () => {
    const raw = peftConfig('ia3');
    expect(toIa3PeftJson(parseIa3Config(raw, { fromPeftFile: true }))).toEqual(raw);
  });

  it('keeps metadata at any value (peft_version, revision, prefix init_weights)', () => {
    const lora = parseLoraConfig({ ...peftConfig('lora'), peft_version: '0.99.0', revision: 'main' }, { fromPeftFile: true });
    expect(toPeftJson(lora)).toMatchObject({ peft_version: '0.99.0', revision: 'main' });
    expect(parsePrefixTuningConfig({ ...peftConfig('prefix'), init_weights: 'zero' }, { fromPeftFile: true }).foreign).toMatchObject({ init_weights: 'zero', peft_version: '0.21.0' });
  });

  it('refuses a value that would change the math, naming the field', () => {
    for (const [key, value] of Object.entries(NON_NEUTRAL)) {
      expect(() => parseLoraConfig({ ...peftConfig('lora'), [key]: value }, { fromPeftFile: true }), key).toThrow(`lora config: ${key}: ${JSON.stringify(value)} turns on `);
    }
    for (const [key, value] of Object.entries(PROMPT_LEARNING_NON_NEUTRAL)) {
      expect(() => parsePrefixTuningConfig({ ...peftConfig('prefix'), [key]: value }, { fromPeftFile: true }), key).toThrow(`prefix_tuning config: ${key}: ${JSON.stringify(value)} turns on `);
    }
  });

  it('judges a setting read only by another feature together with that feature', () => {
    for (const [key, { value, feature, refusal }] of Object.entries(DEPENDENT)) {
      expect(parseLoraConfig({ ...peftConfig('lora'), [key]: value }, { fromPeftFile: true }).foreign, key).toMatchObject({ [key]: value });
      expect(() => parseLoraConfig({ ...peftConfig('lora'), ...feature, [key]: value }, { fromPeftFile: true }), key).toThrow(refusal);
    }
  });

  it('names the file when loading refuses one', async () => {
    const dir = await tempDir('foreign');
    await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...peftConfig('lora'), kasa_config: { beta: 1 } }));
    await expect(readAdapterConfig(dir)).rejects.toThrow(`${join(dir, 'adapter_config.json')}: lora config: kasa_config: {"beta":1} turns on KaSA`);
  });

  it('stays strict for user-written configs: a foreign field is an unknown option there', () => {
    expect(() => parseLoraConfig({ r: 8, kasa_config: null })).toThrow('lora config: unknown option "kasa_config"');
    expect(() => parseLoraConfig({ r: 8, peft_versoin: '0.21.0' }, { fromPeftFile: true })).toThrow('unknown option "peft_versoin" (did you mean');
  });

  it('takes a field of a newer PEFT that is in no table when it is off, keeps it on save, and refuses it when set', () => {
    const newer = parseLoraConfig({ ...peftConfig('lora'), some_peft_022_config: null, use_some_peft_022_flag: false }, { fromPeftFile: true });
    expect(toPeftJson(newer)).toMatchObject({ some_peft_022_config: null, use_some_peft_022_flag: false });
    expect(() => parseLoraConfig({ ...peftConfig('lora'), use_some_peft_022_flag: true }, { fromPeftFile: true })).toThrow(
      'lora config: use_some_peft_022_flag: true is set, and TuneKit does not know this PEFT field',
    );
  });
});
