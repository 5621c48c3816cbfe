import { type DType, type FloatDType, HostTensor, isFloat, numel, writeSafetensors, writeJsonFile } from '@tunekit/core';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CausalLM } from '../architectures/causal-lm.interface.js';
import type { RawConfig } from '../config/config-fields.js';
import { unpackExperts } from './expert-keys.js';
import { TORCH_DTYPE } from './torch-dtype.js';
import { SINGLE_FILE } from './weight-files.js';

/** The one float dtype all parameters share, if they do (what `torch_dtype` records). */
function storageDtype(tensors: readonly HostTensor[]): FloatDType | null {
  const dtypes = new Set<DType>(tensors.map((t) => t.dtype));
  const [only] = dtypes;
  return dtypes.size === 1 && isFloat(only) ? only : null;
}

/** Every parameter under its checkpoint name; packed experts as one tensor per expert, as transformers 5 saves them. */
function checkpointTensors(model: CausalLM): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  for (const [name, p] of model.namedParameters()) {
    const parts = unpackExperts(name, p.shape, model.config);
    if (!parts) {
      out.set(name, p.value);
      continue;
    }
    const v = p.value;
    for (const part of parts) out.set(part.key, new HostTensor(v.dtype, part.shape, v.data.subarray(part.offset, part.offset + numel(part.shape)) as never));
  }
  return out;
}

/**
 * Writes the model as save_pretrained does: config.json and one model.safetensors holding every
 * parameter once (a tied head is stored only as the embedding) with `{"format": "pt"}` metadata.
 */
export async function saveModel(
  model: CausalLM,
  dir: string,
  opts: {
    generationConfig?: RawConfig | null;
    /** config.json fields to write instead of the model's own, when they no longer describe the weights (a dequantized model's quantization_config). */
    config?: RawConfig;
  } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = checkpointTensors(model);
  const dtype = storageDtype([...tensors.values()]);
  const config = opts.config ?? model.config.raw;
  await writeJsonFile(join(dir, 'config.json'), dtype ? { ...config, torch_dtype: TORCH_DTYPE[dtype] } : config);
  if (opts.generationConfig) await writeJsonFile(join(dir, 'generation_config.json'), opts.generationConfig);
  await writeSafetensors(join(dir, SINGLE_FILE), tensors, { format: 'pt' });
}
