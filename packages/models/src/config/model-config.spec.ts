import { ConfigFieldError } from '@tunekit/core';
import { describe, expect, it } from 'vitest';
import { ModelConfigError } from './config-error.js';
import { parseModelConfig } from './model-config.js';

const llama = {
  model_type: 'llama',
  vocab_size: 100,
  hidden_size: 32,
  intermediate_size: 64,
  num_hidden_layers: 2,
  num_attention_heads: 4,
};

const gpt2 = { model_type: 'gpt2', vocab_size: 100, n_embd: 32, n_head: 4, n_layer: 2, n_positions: 64, n_inner: null };

/** The error a config raises, so tests can check its field and message. */
function errorOf(raw: unknown): ModelConfigError {
  try {
    parseModelConfig(raw, 'dir/config.json');
  } catch (err) {
    if (err instanceof ModelConfigError) return err;
    throw err;
  }
  throw new Error('expected a ModelConfigError');
}

describe('parseModelConfig', () => {
  it('fills the Llama config class defaults', () => {
    const c = parseModelConfig(llama);
    expect(c).toMatchObject({
      family: 'llama', modelType: 'llama', kvHeads: 4, headDim: 8, norm: { kind: 'rms', eps: 1e-6 }, hiddenAct: 'silu',
      rope: { theta: 10000, scaling: { type: 'default' } }, maxPositionEmbeddings: 2048, tieWordEmbeddings: false,
      attentionBias: { qkv: false, o: false }, mlpBias: false, qkNorm: 'none', slidingWindow: null,
    });
    expect(c.attentionScale).toBeCloseTo(1 / Math.sqrt(8), 12);
  });

  it('maps each model_type through its table entry', () => {
    const base = { ...llama, num_key_value_heads: 2 };
    expect(parseModelConfig({ ...base, model_type: 'qwen2' }).attentionBias).toEqual({ qkv: true, o: false });
    expect(parseModelConfig({ ...base, model_type: 'qwen3', head_dim: 16, attention_bias: true })).toMatchObject({ qkNorm: 'head', headDim: 16, attentionBias: { qkv: true, o: true } });
    expect(parseModelConfig({ ...base, model_type: 'mistral', sliding_window: 16, max_position_embeddings: 64 })).toMatchObject({
      slidingWindow: 16, layerTypes: ['sliding_attention', 'sliding_attention'],
    });
    expect(parseModelConfig(base).layerTypes).toEqual(['full_attention', 'full_attention']);
    // A window as long as the context masks nothing.
    expect(parseModelConfig({ ...base, model_type: 'mistral', sliding_window: 64, max_position_embeddings: 64 }).slidingWindow).toBeNull();
    expect(parseModelConfig({ ...base, model_type: 'mistral', sliding_window: null }).slidingWindow).toBeNull();
    expect(parseModelConfig({ ...base, rope_scaling: { type: 'linear', factor: 2 } }).rope?.scaling).toEqual({ type: 'linear', factor: 2 });
  });

  it('fills the Gemma config class defaults: (1 + w) norms, √hidden embeddings, GeGLU, tied head', () => {
    const c = parseModelConfig({ ...llama, model_type: 'gemma' });
    expect(c).toMatchObject({
      headDim: 256, hiddenAct: 'gelu_pytorch_tanh', tieWordEmbeddings: true, norm: { weightOffset: 1 }, normPlacement: 'pre',
      embedScale: { value: Math.sqrt(32), appliesTo: 'inputs' }, softcap: { attention: null, final: null }, maxPositionEmbeddings: 8192,
    });
    expect(c.attentionScale).toBe(1 / 16);
  });

  it('fills the Gemma 2 defaults: alternating windows, soft caps, query_pre_attn_scalar, four norms', () => {
    const c = parseModelConfig({ ...llama, model_type: 'gemma2', num_hidden_layers: 3, query_pre_attn_scalar: 64, max_position_embeddings: 8192 });
    expect(c).toMatchObject({
      layerTypes: ['sliding_attention', 'full_attention', 'sliding_attention'], slidingWindow: 4096, normPlacement: 'sandwich',
      softcap: { attention: 50, final: 30 }, hiddenAct: 'gelu_pytorch_tanh', slidingRope: null,
    });
    expect(c.attentionScale).toBe(1 / 8);
    // An explicit null turns a cap off, as in transformers; absent takes the class default.
    expect(parseModelConfig({ ...llama, model_type: 'gemma2', final_logit_softcapping: null }).softcap).toEqual({ attention: 50, final: null });
  });

  it('reads Gemma 3 rotary bases in both forms: rope_parameters per layer type, or rope_theta + rope_local_base_freq', () => {
    const v5 = parseModelConfig({
      ...llama, model_type: 'gemma3_text', layer_types: ['sliding_attention', 'full_attention'],
      rope_parameters: { full_attention: { rope_type: 'linear', factor: 8, rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } },
    });
    expect(v5).toMatchObject({ rope: { theta: 1e6, scaling: { type: 'linear', factor: 8 } }, slidingRope: { theta: 1e4, scaling: { type: 'default' } }, qkNorm: 'head' });
    const v4 = parseModelConfig({ ...llama, model_type: 'gemma3_text', num_hidden_layers: 6, rope_theta: 5e5, rope_local_base_freq: 2e4 });
    expect(v4).toMatchObject({ rope: { theta: 5e5 }, slidingRope: { theta: 2e4 }, embedScale: { appliesTo: 'tokens' } });
    expect(v4.layerTypes).toEqual([...Array(5).fill('sliding_attention'), 'full_attention']);
  });

  it('reads GPT-2 fields, n_inner null meaning 4 * n_embd', () => {
    expect(parseModelConfig(gpt2)).toMatchObject({
      family: 'gpt2', hidden: 32, intermediate: 128, heads: 4, kvHeads: 4, headDim: 8, layers: 2, rope: null,
      norm: { kind: 'layer', eps: 1e-5 }, hiddenAct: 'gelu_new', maxPositionEmbeddings: 64, tieWordEmbeddings: true,
      attentionBias: { qkv: true, o: true }, bosTokenId: 50256,
    });
    expect(parseModelConfig({ ...gpt2, scale_attn_weights: false }).attentionScale).toBe(1);
  });

  it('reads transformers 5 rope_parameters', () => {
    const c = parseModelConfig({ ...llama, rope_parameters: { rope_type: 'llama3', rope_theta: 500000, factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
    expect(c.rope).toEqual({ theta: 500000, scaling: { type: 'llama3', factor: 32, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 }, partialRotaryFactor: 1 });
    // The same settings in transformers 4.x's two fields read the same.
    const old = parseModelConfig({ ...llama, rope_theta: 500000, rope_scaling: { rope_type: 'llama3', factor: 32, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } });
    expect(old.rope).toEqual(c.rope);
    expect(parseModelConfig({ ...llama, rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }).rope).toEqual({ theta: 1e6, scaling: { type: 'default' }, partialRotaryFactor: 1 });
  });

  it.each([
    [{ ...llama, model_type: 'falcon' }, 'model_type', /"falcon" is not supported/],
    [{ ...llama, rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'rope_scaling.rope_type', /RoPE scaling "yarn" is not supported/],
    [{ ...llama, rope_scaling: { type: 'dynamic', factor: 4 } }, 'rope_scaling.type', /"dynamic" is not supported/],
    [{ ...llama, rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'rope_scaling.low_freq_factor', /required/],
    [{ ...llama, model_type: 'qwen2', use_sliding_window: true }, 'use_sliding_window', /not supported/],
    [{ ...llama, partial_rotary_factor: 0.5 }, 'partial_rotary_factor', /not supported/],
    [{ ...llama, rope_parameters: { rope_type: 'default', rope_theta: 1e4, partial_rotary_factor: 0.25 } }, 'rope_parameters.partial_rotary_factor', /not supported/],
    [{ ...llama, rope_parameters: { rope_type: 'yarn', rope_theta: 1e4, factor: 4 } }, 'rope_parameters.rope_type', /"yarn" is not supported/],
    [
      { ...llama, rope_parameters: { full_attention: { rope_type: 'default', rope_theta: 1e6 }, sliding_attention: { rope_type: 'default', rope_theta: 1e4 } } },
      'rope_parameters',
      /per layer type \(full_attention, sliding_attention\)/,
    ],
    [{ ...llama, layer_types: ['full_attention', 'sliding_attention'] }, 'layer_types[1]', /sliding_attention/],
    [{ ...llama, num_key_value_heads: 3 }, 'num_key_value_heads', /does not divide/],
    [{ ...llama, hidden_size: '32' }, 'hidden_size', /positive integer, got string/],
    [{ ...llama, hidden_act: 'swiglu_oai' }, 'hidden_act', /not supported/],
    [{ ...llama, model_type: 'gemma', hidden_act: 'gelu', hidden_activation: 'gelu_pytorch_tanh' }, 'hidden_activation', /differs from hidden_act/],
    [{ ...llama, model_type: 'gemma3_text', use_bidirectional_attention: true }, 'use_bidirectional_attention', /not supported/],
    [{ ...llama, model_type: 'gemma3_text', attn_logit_softcapping: 50 }, 'attn_logit_softcapping', /only null/],
    [{ ...llama, model_type: 'gemma2', layer_types: ['full_attention'] }, 'layer_types', /1 entries for 2 layers/],
    [{ ...llama, model_type: 'gemma2', layer_types: ['full_attention', 'chunked_attention'] }, 'layer_types[1]', /not supported/],
    [{ ...gpt2, scale_attn_by_inverse_layer_idx: true }, 'scale_attn_by_inverse_layer_idx', /not supported/],
    [{ ...gpt2, add_cross_attention: true }, 'add_cross_attention', /not supported/],
  ])('refuses %j, naming the field', (raw, field, message) => {
    const err = errorOf(raw);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(/^dir\/config\.json: /);
    expect(err.message).toMatch(message);
  });

  it('refuses a config that is not an object or has no model_type', () => {
    expect(errorOf([1, 2]).message).toBe('dir/config.json: expected a JSON object');
    expect(errorOf({ hidden_size: 3 }).field).toBe('model_type');
  });

  it("takes transformers' fields it does not implement at their neutral value, keeps them, and refuses them by name when set", () => {
    expect(parseModelConfig({ ...llama, pruned_heads: {} }).raw.pruned_heads).toEqual({});
    const error = errorOf({ ...llama, pruned_heads: { 0: [1, 2] } });
    expect(error.field).toBe('pruned_heads');
    expect(error.path).toEqual(['pruned_heads']);
    expect(error.message).toBe('dir/config.json: pruned_heads: {"0":[1,2]} turns on attention head pruning, which TuneKit does not implement; only transformers\' default (off) can be loaded');
    // A key no supported config class reads cannot change the math: it loads and is kept as written.
    expect(parseModelConfig({ ...llama, some_newer_field: { on: true } }).raw.some_newer_field).toEqual({ on: true });
  });

  it('carries the key path of a nested field on the error', () => {
    const error = errorOf({ ...llama, rope_scaling: { rope_type: 'yarnn', factor: 2 } });
    expect(error).toBeInstanceOf(ConfigFieldError);
    expect(error.path).toEqual(['rope_scaling', 'rope_type']);
  });
});
