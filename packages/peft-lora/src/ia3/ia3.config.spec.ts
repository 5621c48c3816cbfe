import { describe, expect, it } from 'vitest';
import { IA3_DEFAULTS, parseIa3Config, toIa3PeftJson } from './ia3.config.js';
import { resolveIa3Config } from './ia3.targets.js';

describe('IA3 config', () => {
  it("fills PEFT's defaults", () => {
    expect(parseIa3Config({})).toEqual(IA3_DEFAULTS);
    expect(IA3_DEFAULTS).toMatchObject({ target_modules: null, feedforward_modules: null, fan_in_fan_out: false, modules_to_save: null, init_ia3_weights: true });
    expect(parseIa3Config({ target_modules: ['k_proj', 'down_proj'], feedforward_modules: ['down_proj'] })).toMatchObject({ target_modules: ['k_proj', 'down_proj'], feedforward_modules: ['down_proj'] });
  });

  it('rejects unknown keys with a did-you-mean and wrong types naming the key', () => {
    expect(() => parseIa3Config({ feedforward_module: ['down_proj'] })).toThrow('ia3 config: unknown option "feedforward_module" (did you mean "feedforward_modules"?)');
    expect(() => parseIa3Config({ init_ia3_weights: 'yes' })).toThrow('ia3 config: init_ia3_weights: expected true or false, got "yes"');
    expect(() => parseIa3Config({ target_modules: 3 })).toThrow('ia3 config: target_modules: expected a list of module names, a regex or "all-linear", got 3');
    expect(() => parseIa3Config({ modules_to_save: 'lm_head' })).toThrow('ia3 config: modules_to_save: expected a list of module names');
  });

  it('requires feedforward_modules to be a subset of target_modules', () => {
    expect(() => parseIa3Config({ target_modules: ['k_proj', 'v_proj'], feedforward_modules: ['down_proj'] })).toThrow(
      'ia3 config: feedforward_modules: "down_proj" is not in target_modules ["k_proj","v_proj"] (feedforward_modules must be a subset of target_modules)',
    );
    // A regex on either side cannot be compared with names, as in PEFT.
    expect(() => parseIa3Config({ target_modules: '.*proj', feedforward_modules: ['down_proj'] })).not.toThrow();
    // Defaults fill in later; a user's feed-forward names are still checked against the defaulted targets.
    expect(() => resolveIa3Config(parseIa3Config({ feedforward_modules: ['up_proj'] }), 'llama')).toThrow('"up_proj" is not in target_modules');
  });

  it("takes PEFT's per-architecture defaults, keeping only feed-forward names that are targets", () => {
    expect(resolveIa3Config(parseIa3Config({}), 'llama')).toMatchObject({ target_modules: ['k_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'] });
    expect(resolveIa3Config(parseIa3Config({}), 'qwen3')).toMatchObject({ target_modules: ['q_proj', 'v_proj', 'down_proj'], feedforward_modules: ['down_proj'] });
    expect(resolveIa3Config(parseIa3Config({}), 'gpt2')).toMatchObject({ target_modules: ['c_attn', 'mlp.c_proj'], feedforward_modules: ['mlp.c_proj'] });
    expect(resolveIa3Config(parseIa3Config({ target_modules: ['k_proj', 'v_proj'] }), 'mistral')).toMatchObject({ feedforward_modules: [] });
    expect(() => resolveIa3Config(parseIa3Config({}), 'bert')).toThrow('ia3 config: target_modules: not set, and there is no default for model type "bert"');
    expect(() => resolveIa3Config(parseIa3Config({ target_modules: ['query'] }), 'bert')).toThrow('feedforward_modules: not set, and there is no default for model type "bert"');
  });

  it("accepts PEFT's own adapter_config.json keys only when reading PEFT files", () => {
    const peft = { peft_type: 'IA3', auto_mapping: null, revision: null, target_modules: ['k_proj'], feedforward_modules: [], task_type: null };
    expect(() => parseIa3Config(peft)).toThrow('unknown option "auto_mapping"');
    expect(parseIa3Config(peft, { fromPeftFile: true })).toMatchObject({ target_modules: ['k_proj'], task_type: 'CAUSAL_LM' });
    expect(() => parseIa3Config({ peft_type: 'LORA' }, { fromPeftFile: true })).toThrow('ia3 config: peft_type: expected "IA3", got "LORA"');
  });

  it("writes every key of PEFT's IA3 adapter_config.json", () => {
    const json = toIa3PeftJson(resolveIa3Config(parseIa3Config({}), 'llama'));
    expect(json).toEqual({
      auto_mapping: null,
      base_model_name_or_path: null,
      exclude_modules: null,
      fan_in_fan_out: false,
      feedforward_modules: ['down_proj'],
      inference_mode: true,
      init_ia3_weights: true,
      modules_to_save: null,
      peft_type: 'IA3',
      revision: null,
      target_modules: ['k_proj', 'v_proj', 'down_proj'],
      task_type: 'CAUSAL_LM',
    });
    expect(Object.keys(json)).toEqual(Object.keys(json).sort());
  });
});
