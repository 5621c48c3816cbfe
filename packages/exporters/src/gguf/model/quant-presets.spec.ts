import { describe, expect, it } from 'vitest';
import { tensorType } from './quant-presets.js';

const role = (name: string, dims: number[], layer?: number, isOutput = false, experts = 0) => ({ name, dims, layer, layers: 24, experts, isOutput });

describe('GGUF presets choose types as llama-quantize does', () => {
  it('Q4_K_M keeps attn_v and ffn_down at Q6_K in the first and last eighth and every third layer between', () => {
    // use_more_bits(i, 24): i < 3, i >= 21, or (i − 3) % 3 == 2.
    const more = Array.from({ length: 24 }, (_, i) => tensorType('Q4_K_M', role(`blk.${i}.attn_v.weight`, [512, 512], i)));
    expect(more.map((t, i) => (t === 'Q6_K' ? i : -1)).filter((i) => i >= 0)).toEqual([0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23]);
    expect(tensorType('Q4_K_M', role('blk.5.ffn_down.weight', [1536, 512], 5))).toBe('Q6_K');
    expect(tensorType('Q4_K_M', role('blk.4.ffn_down.weight', [1536, 512], 4))).toBe('Q4_K');
    expect(tensorType('Q4_K_M', role('blk.4.attn_q.weight', [512, 512], 4))).toBe('Q4_K');
    // The pinned llama-quantize counts a fused attn_qkv as attn_v, and an expert stack's ffn_down as ffn_down.
    expect(tensorType('Q4_K_M', role('blk.4.attn_qkv.weight', [512, 1536], 4))).toBe('Q4_K');
    expect(tensorType('Q4_K_M', role('blk.5.attn_qkv.weight', [512, 1536], 5))).toBe('Q6_K');
    expect(tensorType('Q4_K_M', role('blk.5.ffn_down_exps.weight', [1536, 512, 8], 5))).toBe('Q6_K');
    expect(tensorType('Q5_K_M', role('blk.4.attn_q.weight', [512, 512], 4))).toBe('Q5_K');
    expect(tensorType('Q5_K_M', role('blk.0.ffn_down.weight', [1536, 512], 0))).toBe('Q6_K');
  });
  it('keeps attn_k and attn_v of 8-expert models at Q8_0 and their attn_output at Q5_K in Q4_K_M; routers stay F32', () => {
    expect(tensorType('Q4_K_M', role('blk.5.attn_v.weight', [512, 128], 5, false, 8))).toBe('Q8_0');
    expect(tensorType('Q4_0', role('blk.4.attn_k.weight', [512, 128], 4, false, 8))).toBe('Q8_0');
    expect(tensorType('Q4_K_M', role('blk.4.attn_output.weight', [512, 512], 4, false, 8))).toBe('Q5_K');
    expect(tensorType('Q4_K_M', role('blk.4.attn_output.weight', [512, 512], 4, false, 4))).toBe('Q4_K');
    expect(tensorType('Q4_K_M', role('blk.4.ffn_gate_inp.weight', [512, 8], 4, false, 8))).toBe('F32');
  });
  it('puts the output projection (or the tied embedding) at Q6_K, except in Q8_0', () => {
    expect(tensorType('Q4_K_M', role('token_embd.weight', [512, 1000], undefined, true))).toBe('Q6_K');
    expect(tensorType('Q4_0', role('output.weight', [512, 1000], undefined, true))).toBe('Q6_K');
    expect(tensorType('Q8_0', role('output.weight', [512, 1000], undefined, true))).toBe('Q8_0');
  });
  it('keeps vectors and position embeddings F32, and falls back where rows do not split into 256', () => {
    expect(tensorType('Q4_K_M', role('blk.0.attn_norm.weight', [512], 0))).toBe('F32');
    expect(tensorType('F16', role('blk.0.attn_q.bias', [512], 0))).toBe('F32');
    expect(tensorType('Q4_K_M', role('position_embd.weight', [512, 1024]))).toBe('F32');
    // SmolLM2's 576-wide rows: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0; 80-wide fits no block: F16.
    expect(tensorType('Q4_K_M', role('blk.4.attn_q.weight', [576, 576], 4))).toBe('Q5_0');
    expect(tensorType('Q5_K_M', role('blk.4.attn_q.weight', [576, 576], 4))).toBe('Q5_1');
    expect(tensorType('Q6_K', role('blk.4.attn_q.weight', [576, 576], 4))).toBe('Q8_0');
    expect(tensorType('Q8_0', role('blk.4.attn_q.weight', [80, 576], 4))).toBe('F16');
  });
});
