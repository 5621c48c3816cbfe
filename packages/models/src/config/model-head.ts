import { ConfigFields, type RawConfig } from './config-fields.js';

/** The head on the backbone that a checkpoint's transformers class names. */
export type ModelHead = 'causal-lm' | 'sequence-classification';

/** transformers' class-name suffixes (`LlamaForCausalLM`, `GPT2LMHeadModel`, `Qwen2ForSequenceClassification`). */
const HEAD_SUFFIXES: readonly (readonly [RegExp, ModelHead])[] = [
  [/ForSequenceClassification$/, 'sequence-classification'],
  [/(ForCausalLM|LMHeadModel)$/, 'causal-lm'],
];

/** The head `architectures[0]` names, or null when the config names none we know (old configs list none). */
export function modelHead(raw: RawConfig): ModelHead | null {
  const first = Array.isArray(raw.architectures) ? raw.architectures[0] : undefined;
  if (typeof first !== 'string') return null;
  return HEAD_SUFFIXES.find(([suffix]) => suffix.test(first))?.[1] ?? null;
}

/**
 * A classifier's label count as transformers derives it: `len(id2label)` (what save_pretrained
 * writes), else `num_labels`, else PretrainedConfig's default of 2.
 */
export function parseNumLabels(raw: RawConfig, file: string): number {
  const f = new ConfigFields(raw, file);
  const labels = f.object('id2label');
  if (labels) {
    const n = Object.keys(labels.raw).length;
    if (n === 0) labels.fail(null, 'has no labels');
    return n;
  }
  return f.int('num_labels', 2);
}
