import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { describe, expect, it } from 'vitest';
import { parsePromptTuningConfig, toPeftJson } from './prompt-tuning.config.js';
import { injectPromptTuning } from './prompt-tuning.model.js';

describe('prompt tuning config', () => {
  it("fills PEFT's defaults and leaves the model's dimensions to the model", () => {
    expect(parsePromptTuningConfig({ num_virtual_tokens: 8 })).toEqual({
      num_virtual_tokens: 8,
      token_dim: null,
      num_transformer_submodules: null,
      num_attention_heads: null,
      num_layers: null,
      task_type: 'CAUSAL_LM',
      base_model_name_or_path: null,
      revision: null,
      inference_mode: false,
      prompt_tuning_init: 'RANDOM',
      prompt_tuning_init_text: null,
      tokenizer_name_or_path: null,
      tokenizer_kwargs: null,
    });
  });

  it('accepts the init in either case, as PEFT users write it', () => {
    expect(parsePromptTuningConfig({ num_virtual_tokens: 4, prompt_tuning_init: 'text', prompt_tuning_init_text: 'Classify:' }).prompt_tuning_init).toBe('TEXT');
    expect(parsePromptTuningConfig({ num_virtual_tokens: 4, prompt_tuning_init: 'Random' }).prompt_tuning_init).toBe('RANDOM');
  });

  it.each([
    [{}, 'prompt_tuning config: num_virtual_tokens: required (how many virtual tokens to train, e.g. 20)'],
    [{ num_virtual_tokens: 0 }, 'prompt_tuning config: num_virtual_tokens: expected a positive integer, got 0'],
    [{ num_virtual_tokens: 4, num_virtual_token: 3 }, 'prompt_tuning config: unknown option "num_virtual_token" (did you mean "num_virtual_tokens"?)'],
    [{ num_virtual_tokens: 4, prompt_tuning_init: 'VOCAB' }, 'prompt_tuning config: prompt_tuning_init: expected RANDOM or TEXT, got "VOCAB"'],
    [{ num_virtual_tokens: 4, prompt_tuning_init: 'TEXT' }, 'prompt_tuning config: prompt_tuning_init_text: required when prompt_tuning_init is TEXT'],
    [{ num_virtual_tokens: 4, tokenizer_kwargs: { use_fast: true } }, 'prompt_tuning config: tokenizer_kwargs: only valid with prompt_tuning_init TEXT'],
    [{ num_virtual_tokens: 4, num_transformer_submodules: 2 }, 'num_transformer_submodules: expected 1 (a causal LM; 2 is for encoder-decoder models), got 2'],
    [{ num_virtual_tokens: 4, task_type: 'SEQ_CLS' }, 'task_type: expected "CAUSAL_LM" (the only task type TuneKit trains soft prompts for), got "SEQ_CLS"'],
    [{ num_virtual_tokens: 4, peft_type: 'PREFIX_TUNING' }, 'prompt_tuning config: peft_type: expected "PROMPT_TUNING", got "PREFIX_TUNING"'],
    [{ num_virtual_tokens: 4, inference_mode: true }, "prompt_tuning config: inference_mode: true describes a saved adapter; load it with the method's load() instead of creating a new one"],
  ])('rejects %j: %s', (raw, message) => {
    expect(() => parsePromptTuningConfig(raw)).toThrow(message);
  });

  it("accepts PEFT's own adapter_config.json keys only when reading PEFT files", () => {
    const peft = { peft_type: 'PROMPT_TUNING', num_virtual_tokens: 4, auto_mapping: null, peft_version: '0.15.2' };
    expect(() => parsePromptTuningConfig(peft)).toThrow('unknown option "auto_mapping"');
    expect(parsePromptTuningConfig(peft, { fromPeftFile: true }).num_virtual_tokens).toBe(4);
  });

  it('refuses dimensions that do not fit the model, naming what the model needs', () => {
    const model = createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 32, heads: 4, kvHeads: 2, layers: 2, vocab: 300 })));
    expect(() => injectPromptTuning(model, parsePromptTuningConfig({ num_virtual_tokens: 4, token_dim: 64 }))).toThrow(
      'prompt_tuning config: token_dim: 64 does not fit this llama model, which needs 32 (leave it unset to take the model\'s)',
    );
    expect(() => injectPromptTuning(model, parsePromptTuningConfig({ num_virtual_tokens: 4, num_layers: 3 }))).toThrow('num_layers: 3 does not fit this llama model, which needs 2');
  });

  it('writes a tokenizer path for TEXT init (PEFT refuses the config without one), the base model by default', () => {
    const resolved = { ...parsePromptTuningConfig({ num_virtual_tokens: 4, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Hi' }), token_dim: 8, num_attention_heads: 2, num_layers: 1, num_transformer_submodules: 1 };
    expect(toPeftJson(resolved, 'org/base').tokenizer_name_or_path).toBe('org/base');
    expect(toPeftJson({ ...resolved, tokenizer_name_or_path: 'org/tok' }, 'org/base').tokenizer_name_or_path).toBe('org/tok');
    expect(() => toPeftJson(resolved, null)).toThrow('saving a TEXT-initialised prompt needs tokenizer_name_or_path or the base model\'s name');
    expect(toPeftJson({ ...resolved, prompt_tuning_init: 'RANDOM', prompt_tuning_init_text: null }, null).tokenizer_name_or_path).toBeNull();
  });
});
