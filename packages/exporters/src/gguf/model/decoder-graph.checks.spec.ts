import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type ModelConfig, parseModelConfig } from '@tunekit/models';
import { readJsonObject } from '@tunekit/core';
import { ggufArchOf } from './gguf-tensors.js';
import { slidingPeriod } from './decoder-graph.checks.js';

const GOLDEN = fileURLToPath(new URL('../../../../../../shared/fixtures/golden-transformers/archs_extra/', import.meta.url));
const golden = async (arch: string, patch: Record<string, unknown> = {}): Promise<ModelConfig> =>
  parseModelConfig({ ...(await readJsonObject(join(GOLDEN, arch, 'model', 'config.json'))), ...patch });
const check = (c: ModelConfig): string[] => ggufArchOf(c).check(c);
/** The refusal's message for a golden config with `patch` applied, or 'accepted'. */
async function refusal(arch: string, patch: Record<string, unknown> = {}): Promise<string> {
  const c = await golden(arch, patch);
  try {
    check(c);
    return 'accepted';
  } catch (e) {
    return (e as Error).message;
  }
}

describe("what llama.cpp's graphs cannot compute is refused by field name", () => {
  it("SmolLM3 with NoPE every 2nd layer: llama.cpp's smollm3 skips rotation on every 4th, a constant", async () => {
    expect(await refusal('smollm3')).toMatch(/no_rope_layers \[1,0,1,0\].*every 4th layer.*not exported to GGUF/);
    const every4th = await golden('smollm3', { no_rope_layers: [1, 1, 1, 0], no_rope_layer_interval: 4 });
    expect(check(every4th)).toEqual([]);
  });
  it("Gemma 2 with an untied head, or without its soft-caps, and Qwen3-MoE without top-k renormalisation", async () => {
    expect(await refusal('gemma2', { tie_word_embeddings: false })).toMatch(/tie_word_embeddings false/);
    expect(await refusal('gemma2', { final_logit_softcapping: null })).toMatch(/final_logit_softcapping null/);
    expect(await refusal('qwen3_moe', { norm_topk_prob: false })).toMatch(/norm_topk_prob false/);
    expect(await refusal('gemma2', { query_pre_attn_scalar: 64 })).toMatch(/attention scale 0.125/);
  });
  it('warns where llama.cpp ignores a window (Phi-3) and accepts the Gemma period it can express', async () => {
    expect(check(await golden('phi3', { sliding_window: 8 }))[0]).toMatch(/sliding_window 8: llama.cpp's phi3 attends to the whole context/);
    expect(check(await golden('gemma3_text'))).toEqual([]);
  });
  it('finds the period of a layer pattern as llama.cpp sets it (layer i slides when i % p < p − 1)', () => {
    const s = 'sliding_attention' as const;
    const f = 'full_attention' as const;
    expect(slidingPeriod([s, f, s, f])).toBe(2);
    expect(slidingPeriod([s, s, s, s, s, f, s])).toBe(6);
    expect(slidingPeriod([f, f])).toBe(1);
    expect(slidingPeriod([f, s])).toBeNull();
  });
});
