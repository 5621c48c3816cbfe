import { describe, expect, it } from 'vitest';
import { ModelConfigError } from './config-error.js';
import { parseModelConfig } from './model-config.js';

const sizes = { vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 4, num_attention_heads: 4 };

function fieldOf(raw: Record<string, unknown>): string | null {
  try {
    parseModelConfig(raw);
  } catch (err) {
    if (err instanceof ModelConfigError) return err.field;
    throw err;
  }
  throw new Error('expected a ModelConfigError');
}

describe('the DECODER_TRAITS rows added for Phi-3, OLMo 2, SmolLM3 and Granite, and GPT-NeoX', () => {
  it('phi3: fused projections, its defaults, partial rotary from either config form', () => {
    const c = parseModelConfig({ ...sizes, model_type: 'phi3' });
    expect(c).toMatchObject({ fusedProjections: true, normPlacement: 'pre', qkNorm: 'none', norm: { eps: 1e-5 }, maxPositionEmbeddings: 4096, slidingWindow: null });
    // Phi-3-mini-4k's sliding_window 2047 windows every layer.
    expect(parseModelConfig({ ...sizes, model_type: 'phi3', sliding_window: 2047 })).toMatchObject({ slidingWindow: 2047, layerTypes: Array(4).fill('sliding_attention') });
    expect(c.rope?.partialRotaryFactor).toBe(1);
    expect(parseModelConfig({ ...sizes, model_type: 'phi3', partial_rotary_factor: 0.75 }).rope?.partialRotaryFactor).toBe(0.75);
    expect(parseModelConfig({ ...sizes, model_type: 'phi3', rope_parameters: { rope_type: 'default', rope_theta: 1e4, partial_rotary_factor: 0.5 } }).rope?.partialRotaryFactor).toBe(0.5);
  });

  it('phi3: refuses longrope, naming the field', () => {
    const longrope = { rope_type: 'longrope', short_factor: [1, 1], long_factor: [2, 2], original_max_position_embeddings: 4096 };
    expect(fieldOf({ ...sizes, model_type: 'phi3', rope_scaling: longrope })).toBe('rope_scaling.rope_type');
  });

  it('refuses partial rotary where the model type has none (transformers 5 form too)', () => {
    expect(fieldOf({ ...sizes, model_type: 'llama', rope_parameters: { rope_type: 'default', rope_theta: 1e4, partial_rotary_factor: 0.5 } })).toBe('rope_parameters.partial_rotary_factor');
  });

  it('olmo2: post-sublayer norms and q/k norms over the whole projection', () => {
    expect(parseModelConfig({ ...sizes, model_type: 'olmo2' })).toMatchObject({ normPlacement: 'post', qkNorm: 'projection', norm: { eps: 1e-5 } });
  });

  it('smollm3: NoPE layers from no_rope_layers (1 = RoPE) or every no_rope_layer_interval-th layer', () => {
    expect(parseModelConfig({ ...sizes, model_type: 'smollm3', no_rope_layers: [1, 0, 0, 1] }).ropeLayers).toEqual([true, false, false, true]);
    expect(parseModelConfig({ ...sizes, model_type: 'smollm3', no_rope_layer_interval: 2 }).ropeLayers).toEqual([true, false, true, false]);
    expect(parseModelConfig({ ...sizes, model_type: 'smollm3' })).toMatchObject({ ropeLayers: [true, true, true, false], tieWordEmbeddings: true, rope: { theta: 2e6 } });
    expect(fieldOf({ ...sizes, model_type: 'smollm3', no_rope_layers: [1, 0] })).toBe('no_rope_layers');
    const sliding = parseModelConfig({ ...sizes, model_type: 'smollm3', use_sliding_window: true, sliding_window: 8 });
    expect(sliding).toMatchObject({ slidingWindow: 8, layerTypes: ['full_attention', 'full_attention', 'full_attention', 'sliding_attention'] });
  });

  it('granite: the multipliers, attention_multiplier as the attention scale', () => {
    const c = parseModelConfig({ ...sizes, model_type: 'granite', embedding_multiplier: 12, residual_multiplier: 0.22, attention_multiplier: 0.0156, logits_scaling: 8 });
    expect(c).toMatchObject({ embedScale: { value: 12, appliesTo: 'inputs', inStorageDtype: false }, scaling: { residual: 0.22, logitsDivisor: 8 } });
    expect(c.attentionScale).toBe(0.0156);
    expect(parseModelConfig({ ...sizes, model_type: 'granite' })).toMatchObject({ embedScale: null, scaling: { residual: 1, logitsDivisor: 1 }, attentionScale: 1 });
  });

  it('gpt_neox: 4.x rotary_pct and rotary_emb_base, LayerNorm, biases, parallel residual', () => {
    const c = parseModelConfig({ ...sizes, model_type: 'gpt_neox', rotary_pct: 0.5, rotary_emb_base: 500 });
    expect(c).toMatchObject({ family: 'gpt_neox', kvHeads: 4, headDim: 8, norm: { kind: 'layer', eps: 1e-5 }, hiddenAct: 'gelu', parallelResidual: true, mlpBias: true, attentionBias: { qkv: true, o: true } });
    expect(c.rope).toEqual({ theta: 500, scaling: { type: 'default' }, partialRotaryFactor: 0.5 });
    expect(parseModelConfig({ ...sizes, model_type: 'gpt_neox' }).rope?.partialRotaryFactor).toBe(0.25);
    expect(parseModelConfig({ ...sizes, model_type: 'gpt_neox', use_parallel_residual: false }).parallelResidual).toBe(false);
    expect(fieldOf({ ...sizes, model_type: 'gpt_neox', rope_scaling: { type: 'dynamic', factor: 2 } })).toBe('rope_scaling.type');
  });
});
