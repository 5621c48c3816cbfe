import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config/model-config.js';
import { checkpointLayout } from './checkpoint-layout.js';
import { createModel } from './create-model.js';

const sizes = { vocab_size: 50, hidden_size: 16, intermediate_size: 24, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2 };

describe('checkpointLayout', () => {
  it.each([
    ['llama', { ...sizes, model_type: 'llama' }],
    ['llama tied, biases', { ...sizes, model_type: 'llama', tie_word_embeddings: true, attention_bias: true, mlp_bias: true }],
    ['mistral', { ...sizes, model_type: 'mistral' }],
    ['qwen2', { ...sizes, model_type: 'qwen2' }],
    ['qwen3', { ...sizes, model_type: 'qwen3', head_dim: 8 }],
    ['phi3 (fused qkv_proj, gate_up_proj)', { ...sizes, model_type: 'phi3' }],
    ['olmo2 (post norms, projection-wide q/k norms)', { ...sizes, model_type: 'olmo2' }],
    ['smollm3', { ...sizes, model_type: 'smollm3' }],
    ['granite', { ...sizes, model_type: 'granite', attention_bias: true }],
    ['gpt_neox', { ...sizes, model_type: 'gpt_neox', rotary_pct: 0.5 }],
    ['gpt_neox tied, no attention bias', { ...sizes, model_type: 'gpt_neox', rotary_pct: 0.5, tie_word_embeddings: true, attention_bias: false }],
    ['mixtral', { ...sizes, model_type: 'mixtral', num_local_experts: 3 }],
    ['qwen3_moe with a dense layer', { ...sizes, model_type: 'qwen3_moe', num_experts: 3, num_experts_per_tok: 2, moe_intermediate_size: 8, mlp_only_layers: [1] }],
    ['gemma', { ...sizes, model_type: 'gemma', head_dim: 8 }],
    ['gemma2, four norms per layer', { ...sizes, model_type: 'gemma2', head_dim: 8 }],
    ['gemma3_text, four norms and q/k norms', { ...sizes, model_type: 'gemma3_text', head_dim: 8 }],
    ['gpt2', { model_type: 'gpt2', vocab_size: 50, n_embd: 16, n_head: 4, n_layer: 2, n_positions: 32 }],
    ['gpt2 untied', { model_type: 'gpt2', vocab_size: 50, n_embd: 16, n_head: 4, n_layer: 2, n_positions: 32, tie_word_embeddings: false }],
  ])('%s: lists exactly the model’s parameters, names and shapes', (_, raw) => {
    const config = parseModelConfig(raw);
    const fromModel = createModel(config).namedParameters().map(([name, p]): [string, readonly number[]] => [name, p.shape]);
    const fromLayout = checkpointLayout(config).map((s): [string, readonly number[]] => [s.name, s.shape]);
    expect(new Map(fromLayout)).toEqual(new Map(fromModel));
    expect(fromLayout.length).toBe(fromModel.length);
  });

  it('initialises Gemma norms at 0: they multiply by (1 + weight)', () => {
    const layout = checkpointLayout(parseModelConfig({ ...sizes, model_type: 'gemma2', head_dim: 8 }));
    const norms = layout.filter((s) => s.name.endsWith('norm.weight'));
    expect(norms.map((s) => s.name.replace(/^model\.layers\.0\./, '')).slice(0, 4)).toEqual([
      'input_layernorm.weight', 'post_attention_layernorm.weight', 'pre_feedforward_layernorm.weight', 'post_feedforward_layernorm.weight',
    ]);
    expect(norms.every((s) => s.init.kind === 'zeros')).toBe(true);
  });

  it('initialises as transformers does: norms 1, biases 0, GPT-2 residual projections scaled', () => {
    const gpt2 = checkpointLayout(parseModelConfig({ model_type: 'gpt2', vocab_size: 50, n_embd: 16, n_head: 4, n_layer: 8 }), 0.02);
    const init = (name: string) => gpt2.find((s) => s.name === name)?.init;
    expect(init('transformer.h.0.ln_1.weight')).toEqual({ kind: 'ones' });
    expect(init('transformer.h.0.attn.c_attn.bias')).toEqual({ kind: 'zeros' });
    expect(init('transformer.h.0.attn.c_attn.weight')).toEqual({ kind: 'normal', std: 0.02 });
    expect(init('transformer.h.0.mlp.c_proj.weight')).toEqual({ kind: 'normal', std: 0.02 / 4 });
  });
});
