import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { describe, expect, it } from 'vitest';
import { parsePrefixTuningConfig, toPeftJson } from './prefix-tuning.config.js';
import { injectPrefixTuning } from './prefix-tuning.model.js';

const tiny = (arch: 'llama' | 'gpt2') =>
  createModel(parseModelConfig(tinyConfigJson({ arch, hidden: 32, heads: 4, kvHeads: arch === 'gpt2' ? 4 : 2, layers: 3, vocab: 300 })));

describe('prefix tuning config', () => {
  it("fills PEFT's defaults", () => {
    expect(parsePrefixTuningConfig({ num_virtual_tokens: 10 })).toEqual({
      num_virtual_tokens: 10,
      token_dim: null,
      num_transformer_submodules: null,
      num_attention_heads: null,
      num_layers: null,
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: null,
      revision: null,
      inference_mode: false,
      prefix_projection: false,
      encoder_hidden_size: null,
    });
  });

  it.each([
    [{ prefix_projection: true }, 'prefix_tuning config: num_virtual_tokens: required'],
    [{ num_virtual_tokens: 4, prefix_projection: 'yes' }, 'prefix_tuning config: prefix_projection: expected true or false, got "yes"'],
    [{ num_virtual_tokens: 4, encoder_hidden_size: -1 }, 'prefix_tuning config: encoder_hidden_size: expected a positive integer, got -1'],
    [{ num_virtual_tokens: 4, prefix_projecton: true }, 'prefix_tuning config: unknown option "prefix_projecton" (did you mean "prefix_projection"?)'],
    [{ num_virtual_tokens: 4, init_weights: 'zero' }, 'prefix_tuning config: unknown option "init_weights"'],
    [{ num_virtual_tokens: 4, num_layers: 1.5 }, 'prefix_tuning config: num_layers: expected a positive integer, got 1.5'],
  ])('rejects %j: %s', (raw, message) => {
    expect(() => parsePrefixTuningConfig(raw)).toThrow(message);
  });

  it("accepts newer PEFT's init_weights in a saved file (it only shapes a new adapter)", () => {
    expect(parsePrefixTuningConfig({ peft_type: 'PREFIX_TUNING', num_virtual_tokens: 4, init_weights: null }, { fromPeftFile: true }).num_virtual_tokens).toBe(4);
  });

  it("resolves token_dim and heads to the key/value heads (PEFT's grouped-query rule) and encoder_hidden_size to token_dim", () => {
    const llama = injectPrefixTuning(tiny('llama'), parsePrefixTuningConfig({ num_virtual_tokens: 4 })).config;
    // hidden 32, 4 heads of 8, 2 kv heads: token_dim = 32 // 4 * 2.
    expect(llama).toMatchObject({ token_dim: 16, num_attention_heads: 2, num_layers: 3, num_transformer_submodules: 1, encoder_hidden_size: 16 });
    const gpt2 = injectPrefixTuning(tiny('gpt2'), parsePrefixTuningConfig({ num_virtual_tokens: 4, prefix_projection: true, encoder_hidden_size: 12 })).config;
    expect(gpt2).toMatchObject({ token_dim: 32, num_attention_heads: 4, num_layers: 3, encoder_hidden_size: 12 });
    expect(() => injectPrefixTuning(tiny('llama'), parsePrefixTuningConfig({ num_virtual_tokens: 4, num_attention_heads: 4 }))).toThrow(
      "prefix_tuning config: num_attention_heads: 4 does not fit this llama model, which needs 2 (leave it unset to take the model's)",
    );
  });

  it("writes every key of PEFT's PrefixTuningConfig", () => {
    const config = injectPrefixTuning(tiny('llama'), parsePrefixTuningConfig({ num_virtual_tokens: 4, prefix_projection: true })).config;
    expect(toPeftJson(config, 'org/base')).toEqual({
      auto_mapping: null,
      base_model_name_or_path: 'org/base',
      encoder_hidden_size: 16,
      inference_mode: true,
      num_attention_heads: 2,
      num_layers: 3,
      num_transformer_submodules: 1,
      num_virtual_tokens: 4,
      peft_type: 'PREFIX_TUNING',
      prefix_projection: true,
      revision: null,
      task_type: 'CAUSAL_LM',
      token_dim: 16,
    });
  });
});
