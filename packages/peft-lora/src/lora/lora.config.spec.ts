import { ConfigFieldError } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { PeftConfigError } from '../peft/config-validation.js';
import { LORA_DEFAULTS, loraScaling, parseLoraConfig, toPeftJson } from './lora.config.js';

describe('LoRA config', () => {
  it("fills PEFT's defaults", () => {
    const c = parseLoraConfig({ r: 16, target_modules: ['q_proj'] });
    expect(c).toEqual({ ...LORA_DEFAULTS, r: 16, target_modules: ['q_proj'] });
    expect(LORA_DEFAULTS).toMatchObject({ r: 8, lora_alpha: 8, lora_dropout: 0, bias: 'none', init_lora_weights: true, use_rslora: false, use_dora: false });
  });

  it('rejects unknown keys with a did-you-mean and wrong types naming the key', () => {
    expect(() => parseLoraConfig({ lora_alpah: 16 })).toThrow('lora config: unknown option "lora_alpah" (did you mean "lora_alpha"?)');
    expect(() => parseLoraConfig({ r: 0 })).toThrow('lora config: r: expected a positive integer, got 0');
    expect(() => parseLoraConfig({ bias: 'some' })).toThrow('bias: expected one of none|all|lora_only');
    expect(() => parseLoraConfig({ init_lora_weights: 'olora' })).toThrow('init_lora_weights');
  });

  it('reports every problem at once on a PeftConfigError that carries each key path (what the CLI points at)', () => {
    const error = (() => {
      try {
        parseLoraConfig({ rank: 4, r: 0 });
      } catch (e) {
        return e as PeftConfigError;
      }
    })();
    expect(error).toBeInstanceOf(PeftConfigError);
    expect(error).toBeInstanceOf(ConfigFieldError);
    expect(error?.problems).toEqual([
      { path: ['rank'], detail: 'unknown key; expected one of peft_type, ' + Object.keys(LORA_DEFAULTS).join(', '), unknown: { hint: null } },
      { path: ['r'], detail: 'expected a positive integer, got 0' },
    ]);
    expect(error?.message).toBe(`lora config: unknown option "rank"; expected one of peft_type, ${Object.keys(LORA_DEFAULTS).join(', ')}\nlora config: r: expected a positive integer, got 0`);
  });

  it('scales by alpha/r, or alpha/sqrt(r) with rsLoRA', () => {
    expect(loraScaling(parseLoraConfig({}), 16, 32)).toBe(2);
    expect(loraScaling(parseLoraConfig({ use_rslora: true }), 16, 32)).toBe(8);
  });

  it("accepts PEFT's own adapter_config.json keys only when reading PEFT files", () => {
    const peft = { peft_type: 'LORA', r: 8, lora_alpha: 32, megatron_core: 'megatron.core', loftq_config: {} };
    expect(() => parseLoraConfig(peft)).toThrow('unknown option "megatron_core"');
    expect(parseLoraConfig(peft, { fromPeftFile: true }).lora_alpha).toBe(32);
    expect(() => parseLoraConfig({ peft_type: 'IA3' }, { fromPeftFile: true })).toThrow('peft_type: expected "LORA"');
  });

  it("writes every key of PEFT's adapter_config.json", () => {
    const json = toPeftJson(parseLoraConfig({ r: 4, target_modules: ['c_attn'] }));
    expect(json).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 4, lora_alpha: 8, target_modules: ['c_attn'], inference_mode: true });
    for (const key of ['base_model_name_or_path', 'bias', 'fan_in_fan_out', 'init_lora_weights', 'layers_to_transform', 'lora_dropout', 'modules_to_save', 'rank_pattern', 'alpha_pattern', 'use_dora', 'use_rslora', 'revision']) {
      expect(json).toHaveProperty(key);
    }
  });
});
