import { type FloatDType, Rng, writeJsonFile } from '@tunekit/core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { checkpointLayout } from '../architectures/checkpoint-layout.js';
import { initialTensor } from '../loading/init-weights.js';
import { type ModelConfig, parseModelConfig } from '../config/model-config.js';
import { writeShardedCheckpoint } from '../loading/shard-writer.js';
import { CONFIG_WRITERS, TRANSFORMERS_VERSION, sortKeys } from './hf-config-writers.js';
import { BOS_TOKEN_ID, EOS_TOKEN_ID, TINY_TOKENIZER_SIZE, tinyTokenizerConfig, tinyTokenizerJson } from './tiny-tokenizer.js';
import { TINY_PRESETS, TINY_SHAPES, type TinyArch, type TinyPreset, type TinyShape } from './tiny-presets.js';

export interface TinyModelOptions extends Partial<Omit<TinyShape, 'initializerRange'>> {
  /** The model_type; implied by `preset` when that is given. */
  arch?: TinyArch;
  /** Real model shapes (default: tiny ones); the size fields below override single values, e.g. `layers`. */
  preset?: TinyPreset;
  dir: string;
  seed: number;
  /** Storage dtype of the weights (default f32). */
  dtype?: FloatDType;
  /** Raw config.json fields applied last (e.g. `rope_scaling`, `sliding_window`). */
  config?: Record<string, unknown>;
  /** Weights beyond this many bytes are split into shards with an index (default 2 GiB). */
  maxShardBytes?: number;
}

export interface TinyModel {
  readonly dir: string;
  readonly config: ModelConfig;
  /** Weight files written (shards and index when sharded). */
  readonly weightFiles: readonly string[];
}

const DEFAULT_MAX_SHARD_BYTES = 2 ** 31;

function resolveShape(opts: Omit<TinyModelOptions, 'dir' | 'seed'>): { arch: TinyArch; shape: TinyShape } {
  const p = opts.preset ? TINY_PRESETS[opts.preset] : undefined;
  const arch = opts.arch ?? p?.modelType;
  if (!arch) throw new Error('createTinyModel: give an arch or a preset');
  if (p && p.modelType !== arch) throw new Error(`createTinyModel: preset ${opts.preset} is a ${p.modelType} model, not ${arch}`);
  const base = p?.shape ?? TINY_SHAPES[arch];
  const defined = Object.fromEntries(Object.entries(opts).filter(([k, v]) => v !== undefined && k in base));
  const shape = { ...base, ...defined } as TinyShape;
  // head_dim follows hidden/heads unless set on its own, as in the config classes.
  const headDim = opts.headDim ?? (opts.hidden || opts.heads ? shape.hidden / shape.heads : base.headDim);
  return { arch, shape: { ...shape, headDim } };
}

/** The config.json `createTinyModel` writes for these options (sorted keys, as transformers writes them). */
export function tinyConfigJson(opts: Omit<TinyModelOptions, 'dir' | 'seed'>): Record<string, unknown> {
  const { arch, shape } = resolveShape(opts);
  return sortKeys({ ...CONFIG_WRITERS[arch](shape, opts.dtype ?? 'f32'), ...opts.config });
}

/**
 * Writes a complete, random Hugging Face checkpoint folder: config.json (as transformers writes it
 * for the model_type), generation_config.json, safetensors weights with transformers' init, and a
 * small byte-level BPE tokenizer with a ChatML template. Weights are made and written shard by
 * shard, so preset-sized models (even Llama-2-7B) never sit in memory whole.
 */
export async function createTinyModel(opts: TinyModelOptions): Promise<TinyModel> {
  const { shape } = resolveShape(opts);
  const dtype = opts.dtype ?? 'f32';
  const raw = tinyConfigJson(opts);
  const configPath = join(opts.dir, 'config.json');
  const config = parseModelConfig(raw, configPath);
  if (config.vocab < TINY_TOKENIZER_SIZE) throw new Error(`createTinyModel: vocab ${config.vocab} is smaller than the tokenizer's ${TINY_TOKENIZER_SIZE} tokens`);

  await mkdir(opts.dir, { recursive: true });
  await writeJsonFile(configPath, raw);
  await writeJsonFile(join(opts.dir, 'generation_config.json'), {
    _from_model_config: true,
    bos_token_id: BOS_TOKEN_ID,
    eos_token_id: EOS_TOKEN_ID,
    transformers_version: TRANSFORMERS_VERSION,
  });
  await writeJsonFile(join(opts.dir, 'tokenizer.json'), tinyTokenizerJson());
  await writeJsonFile(join(opts.dir, 'tokenizer_config.json'), tinyTokenizerConfig(config.maxPositionEmbeddings));

  const rng = new Rng(opts.seed);
  const std = typeof raw.initializer_range === 'number' ? raw.initializer_range : shape.initializerRange;
  const sources = checkpointLayout(config, std).map((spec) => ({
    name: spec.name,
    shape: spec.shape,
    make: () => initialTensor(spec, rng, dtype),
  }));
  const weightFiles = await writeShardedCheckpoint(opts.dir, sources, dtype, opts.maxShardBytes ?? DEFAULT_MAX_SHARD_BYTES);
  return { dir: opts.dir, config, weightFiles };
}
