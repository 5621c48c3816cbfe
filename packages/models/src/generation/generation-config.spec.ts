import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../config/model-config.js';
import { GenerationConfigError, resolveGenerationConfig } from './generation-config.js';

const modelConfig = (extra: object = {}) =>
  parseModelConfig({ model_type: 'llama', vocab_size: 100, hidden_size: 8, intermediate_size: 16, num_hidden_layers: 1, num_attention_heads: 2, ...extra });
const resolve = (options: object, generationConfig: object | null = null, extra: object = {}, promptLength = 4) =>
  resolveGenerationConfig(options, { generationConfig: generationConfig as never, modelConfig: modelConfig(extra), tokenizerEosIds: [99] }, promptLength);

describe('resolveGenerationConfig', () => {
  it("fills transformers' defaults: greedy, 20 new tokens, top-k 50, nothing else on", () => {
    const c = resolve({ seed: 1 });
    expect(c).toMatchObject({ doSample: false, maxNewTokens: 20, temperature: 1, topK: 50, topP: 1, repetitionPenalty: 1, minP: 0, stopStrings: [] });
  });

  it('reads generation_config.json, and explicit options win over it', () => {
    const file = { do_sample: true, temperature: 0.6, top_p: 0.9, top_k: 20, repetition_penalty: 1.1, min_p: 0.05, max_new_tokens: 7, eos_token_id: [5, 6], pad_token_id: 3 };
    expect(resolve({}, file)).toMatchObject({ doSample: true, temperature: 0.6, topP: 0.9, topK: 20, repetitionPenalty: 1.1, minP: 0.05, maxNewTokens: 7, eosTokenIds: [5, 6], padTokenId: 3 });
    expect(resolve({ doSample: false, topK: 0, minP: 0, maxNewTokens: 2, eosTokenIds: [9] }, file)).toMatchObject({ doSample: false, topK: 0, minP: 0, maxNewTokens: 2, eosTokenIds: [9] });
    // transformers writes min_p: null for "off".
    expect(resolve({}, { min_p: null }).minP).toBe(0);
  });

  it('treats temperature 0 as greedy whatever do_sample says', () => {
    expect(resolve({ temperature: 0 }, { do_sample: true }).doSample).toBe(false);
  });

  it('takes EOS from generation_config.json, then config.json, then the tokenizer', () => {
    expect(resolve({}, { eos_token_id: 4 }, { eos_token_id: 7 }).eosTokenIds).toEqual([4]);
    expect(resolve({}, {}, { eos_token_id: 7 }).eosTokenIds).toEqual([7]);
    expect(resolve({}, null).eosTokenIds).toEqual([99]);
    // With no pad id anywhere, the first EOS pads.
    expect(resolve({}, {}, { eos_token_id: 7 }).padTokenId).toBe(7);
  });

  it('reads max_length as prompt plus new tokens, and rejects one the prompt already fills', () => {
    expect(resolve({}, { max_length: 10 }, {}, 4).maxNewTokens).toBe(6);
    expect(() => resolve({}, { max_length: 4 }, {}, 4)).toThrow(/max_length \(4\) leaves no room after a 4-token prompt/);
  });

  it.each([
    [{ topP: 0 }, null, /options: topP expected a number in \(0, 1\]/],
    [{ temperature: -1 }, null, /options: temperature expected a number ≥ 0/],
    [{}, { top_k: 1.5 }, /generation_config.json: top_k expected an integer ≥ 0/],
    [{}, { do_sample: 'yes' }, /generation_config.json: do_sample expected a boolean/],
    [{ maxNewTokens: 0 }, null, /options: maxNewTokens expected an integer > 0/],
    [{ padTokenId: 100 }, null, /padTokenId expected a token id below the vocab size 100/],
    [{ stopStrings: [''] }, null, /stopStrings expected non-empty strings/],
    [{}, { min_p: 1.5 }, /generation_config.json: min_p expected a number in \[0, 1\]/],
  ])('rejects %j / %j naming the field', (options, file, message) => {
    expect(() => resolve(options, file)).toThrow(GenerationConfigError);
    expect(() => resolve(options, file)).toThrow(message);
  });
});
