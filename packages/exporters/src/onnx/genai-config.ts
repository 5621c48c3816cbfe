import type { ModelConfig, RawConfig } from '@tunekit/models';
import { DECODER_NAMES } from './decoder.trace.js';

/** onnxruntime-genai's model type for each architecture it runs (its model builder's names). */
const GENAI_TYPES: Readonly<Record<string, string>> = { llama: 'llama', mistral: 'mistral', qwen2: 'qwen2', qwen3: 'qwen3', gpt2: 'gpt2', phi3: 'phi3', gemma: 'gemma', gemma2: 'gemma2', olmo2: 'olmo' };

const firstId = (v: unknown): number | null => (Array.isArray(v) ? (v[0] ?? null) : typeof v === 'number' ? v : null);

/**
 * genai_config.json for onnxruntime-genai: the decoder's file, sizes and input/output names (the
 * `%d` patterns name each layer's cache), the special tokens, and greedy search up to the context length.
 */
export function genaiConfig(config: ModelConfig, generation: RawConfig | null, file: string): Record<string, unknown> {
  const eos = generation?.eos_token_id ?? config.eosTokenId;
  const pattern = (f: (layer: number, which: 'key' | 'value') => string, which: 'key' | 'value') => f(0, which).replace('.0.', '.%d.');
  return {
    model: {
      bos_token_id: firstId(generation?.bos_token_id ?? config.bosTokenId),
      context_length: config.maxPositionEmbeddings,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: file,
        head_size: config.headDim,
        hidden_size: config.hidden,
        inputs: {
          input_ids: DECODER_NAMES.inputIds,
          attention_mask: DECODER_NAMES.attentionMask,
          position_ids: DECODER_NAMES.positionIds,
          past_key_names: pattern(DECODER_NAMES.past, 'key'),
          past_value_names: pattern(DECODER_NAMES.past, 'value'),
        },
        outputs: { logits: DECODER_NAMES.logits, present_key_names: pattern(DECODER_NAMES.present, 'key'), present_value_names: pattern(DECODER_NAMES.present, 'value') },
        num_attention_heads: config.heads,
        num_hidden_layers: config.layers,
        num_key_value_heads: config.kvHeads,
      },
      eos_token_id: eos ?? null,
      pad_token_id: firstId(generation?.pad_token_id ?? config.padTokenId ?? eos),
      type: GENAI_TYPES[config.modelType] ?? config.modelType,
      vocab_size: config.vocab,
    },
    search: { do_sample: false, early_stopping: true, max_length: config.maxPositionEmbeddings, min_length: 0, num_beams: 1, num_return_sequences: 1, past_present_share_buffer: false, repetition_penalty: 1.0, temperature: 1.0, top_k: 1, top_p: 1.0 },
  };
}
