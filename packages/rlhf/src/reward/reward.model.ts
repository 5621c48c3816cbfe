import { join } from 'node:path';
import { type CausalLmSource, type FloatDType, Rng, readJsonObject } from '@tunekit/core';
import {
  type Backbone,
  type CausalLM,
  HfTokenizer,
  type ModelConfig,
  ModelConfigError,
  SequenceClassificationModel,
  backboneName,
  loadModel,
  loadSequenceClassifier,
  modelHead,
} from '@tunekit/models';

/** transformers' class for a reward model of the causal LM class `arch` (`LlamaForCausalLM` → `LlamaForSequenceClassification`). */
const CAUSAL_SUFFIX = /(ForCausalLM|LMHeadModel)$/;

/**
 * The config of `base` as a one-label sequence classifier: what transformers' save_pretrained writes
 * for `AutoModelForSequenceClassification.from_pretrained(causal, num_labels=1)` (architectures,
 * one label as id2label/label2id, which is how transformers 5 records num_labels 1), and the pad
 * id the rewards are pooled by.
 */
function rewardConfig(base: ModelConfig, padTokenId: number | null, file: string): ModelConfig {
  const arch = Array.isArray(base.raw.architectures) ? base.raw.architectures[0] : undefined;
  if (typeof arch !== 'string' || !CAUSAL_SUFFIX.test(arch)) {
    throw new ModelConfigError(file, 'architectures', `expected a causal LM class (…ForCausalLM) to put a reward head on, got ${JSON.stringify(base.raw.architectures ?? null)}`);
  }
  const pad = base.padTokenId ?? padTokenId;
  const raw = {
    ...base.raw,
    architectures: [arch.replace(CAUSAL_SUFFIX, 'ForSequenceClassification')],
    id2label: { 0: 'LABEL_0' },
    label2id: { LABEL_0: 0 },
    pad_token_id: pad,
  };
  return { ...base, raw, padTokenId: pad };
}

/**
 * A reward model on `causal`'s own backbone (no copy): the family's sequence-classification head,
 * `score` [1, hidden] drawn as transformers' `_init_weights` draws a Linear, N(0, initializer_range).
 */
export function rewardModelOn(
  causal: CausalLM & { readonly config: ModelConfig },
  opts: { seed: number; padTokenId: number | null; file: string; dtype?: FloatDType },
): SequenceClassificationModel {
  const config = rewardConfig(causal.config, opts.padTokenId, opts.file);
  const name = backboneName(config);
  const module = causal.getModule(name) as Backbone | undefined;
  if (!module) throw new Error(`${opts.file}: the ${config.modelType} model has no backbone "${name}" to put a reward head on`);
  // A quantized backbone's first parameters are packed codes: the head takes the run's float dtype.
  const dtype = opts.dtype ?? ((causal.parameters()[0]?.dtype ?? 'f32') as FloatDType);
  const model = new SequenceClassificationModel(config, 1, { dtype, rng: new Rng(opts.seed), empty: true }, { name, module });
  const std = typeof config.raw.initializer_range === 'number' ? config.raw.initializer_range : 0.02;
  const rng = new Rng(opts.seed);
  const weight = model.score.weight.value;
  weight.data.set(Float32Array.from({ length: weight.size }, () => rng.normal() * std) as never);
  return model;
}

/** The causal LM as stored, for callers outside a run (`tunekit score`, scripts). */
function storedCausalLm(dtype: FloatDType): CausalLmSource {
  return {
    altered: null,
    async load(dir) {
      const { model } = await loadModel(dir, { dtype });
      return { model, description: `${(model as CausalLM & { config: ModelConfig }).config.modelType}, ${dtype}` };
    },
  };
}

/**
 * The model of a reward run: a saved reward model (`…ForSequenceClassification`, one label) as it
 * is, or the run's causal LM (quantized for QLoRA, or a random init) with a new head. Without a pad
 * id in config.json, the tokenizer's (or eos) is used, as TRL's RewardTrainer sets
 * `model.config.pad_token_id`.
 */
export async function loadRewardModel(
  dir: string,
  opts: { dtype: FloatDType; seed: number; causalLm?: CausalLmSource },
): Promise<{ model: SequenceClassificationModel; generationConfig: Record<string, unknown> | null; description: string }> {
  const file = join(dir, 'config.json');
  if (modelHead(await readJsonObject(file)) === 'sequence-classification') {
    if (opts.causalLm?.altered) {
      throw new ModelConfigError(file, 'architectures', `${dir} is a saved reward model; a ${opts.causalLm.altered === 'quantized' ? 'quantization section' : 'random init (train_from_scratch)'} applies to a causal LM base, so start from the causal LM or drop it`);
    }
    const model = await loadSequenceClassifier(dir, { dtype: opts.dtype });
    if (model.numLabels !== 1) throw new ModelConfigError(file, 'num_labels', `a reward model scores with one label, got ${model.numLabels}`);
    return { model, generationConfig: null, description: `${model.config.modelType} reward model, ${opts.dtype}` };
  }
  const tokenizer = await HfTokenizer.fromDir(dir);
  const base = await (opts.causalLm ?? storedCausalLm(opts.dtype)).load(dir);
  const model = rewardModelOn(base.model as CausalLM & { config: ModelConfig }, { seed: opts.seed, padTokenId: tokenizer.padTokenId ?? tokenizer.eosTokenId ?? null, file, dtype: opts.dtype });
  // transformers saves no generation config with a sequence classifier.
  return { model, generationConfig: null, description: `${base.description}, new reward head score [1, ${model.config.hidden}]` };
}
