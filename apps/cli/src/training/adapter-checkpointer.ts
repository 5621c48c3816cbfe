import { existsSync } from 'node:fs';
import { readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostTensor, type ModelCheckpointer, type Parameter, SafetensorsFile, writeSafetensors } from '@tunekit/core';
import { ADAPTER_WEIGHTS, type AdapterHandle, peftKey } from '@tunekit/peft-lora';
import { PROMPT_EMBEDDINGS } from '@tunekit/peft-lora';
import { bottleneckKey, ia3Key } from '@tunekit/peft-lora';

/** A trainable parameter's key in the method's saved adapter file, per method. */
export const ADAPTER_KEYS: Readonly<Record<string, (paramName: string) => string>> = {
  // The CLI trains LoRA's default adapter, which PEFT saves without its name.
  lora: (name) => peftKey(name, 'default'),
  // PEFT saves the prompt rows themselves, under its one key.
  prompt_tuning: (name) => (name === 'prompt_encoder.default.embedding.weight' ? PROMPT_EMBEDDINGS : name),
  // PEFT saves the finished prefix (with prefix_projection, the MLP's output), not the parameters
  // that make it: they are checkpointed raw under their own names (TRAINABLE_EXTRA).
  prefix_tuning: (name) => name,
  ia3: (name) => ia3Key(name, 'default'),
  adapter: (name) => bottleneckKey(name, 'default'),
};

/**
 * Trainable parameters the method's adapter file does not hold under their key, because it saves
 * something made from them (prefix tuning's projected prefix), written beside it as they are.
 */
export const TRAINABLE_EXTRA = 'trainable_parameters.safetensors';

/**
 * Checkpoints hold the adapter as the method saves it (PEFT's adapter_config.json and
 * adapter_model.safetensors), so any checkpoint loads in PEFT as it is. Resuming reads the trained
 * tensors back into the live adapter by their saved keys, from TRAINABLE_EXTRA for any the adapter
 * file lacks, so a resumed run continues from exactly the parameters it stopped with.
 */
export class AdapterCheckpointer implements ModelCheckpointer {
  constructor(
    private readonly handle: AdapterHandle,
    private readonly savedKey: (paramName: string) => string,
    private readonly baseModel?: string,
  ) {}

  /** For the handle's method, or an error naming the methods that can be checkpointed. */
  static for(handle: AdapterHandle, baseModel?: string): AdapterCheckpointer {
    const savedKey = ADAPTER_KEYS[handle.method];
    if (!savedKey) throw new Error(`method "${handle.method}" has no checkpoint key mapping (have ${Object.keys(ADAPTER_KEYS).join(', ')})`);
    return new AdapterCheckpointer(handle, savedKey, baseModel);
  }

  async save(dir: string): Promise<void> {
    // The handle writes a whole folder (replacing it); the checkpoint's own folder holds more files.
    const staging = join(dir, '.adapter');
    await this.handle.save(staging, this.baseModel === undefined ? {} : { baseModel: this.baseModel });
    const extra = await this.notInAdapterFile(join(staging, ADAPTER_WEIGHTS));
    if (extra.size) await writeSafetensors(join(staging, TRAINABLE_EXTRA), extra, { format: 'pt' });
    for (const name of await readdir(staging)) await rename(join(staging, name), join(dir, name));
    await rmdir(staging);
  }

  /** Trainable parameters, by saved key, that the method's adapter file does not hold. */
  private async notInAdapterFile(path: string): Promise<Map<string, HostTensor>> {
    const file = await SafetensorsFile.open(path);
    try {
      const missing = this.handle.model.namedParameters().filter(([name, p]) => p.requiresGrad && !file.has(this.savedKey(name)));
      return new Map(missing.map(([name, p]) => [this.savedKey(name), p.value]));
    } finally {
      await file.close();
    }
  }

  /** Reads and checks every tensor before assigning any, so a bad checkpoint leaves the adapter untouched. */
  async load(dir: string): Promise<void> {
    const path = join(dir, ADAPTER_WEIGHTS);
    const extraPath = join(dir, TRAINABLE_EXTRA);
    const files: [string, SafetensorsFile][] = [[path, await SafetensorsFile.open(path)]];
    try {
      if (existsSync(extraPath)) files.push([extraPath, await SafetensorsFile.open(extraPath)]);
      const loaded: [Parameter, HostTensor][] = [];
      for (const [name, p] of this.handle.model.namedParameters()) {
        if (!p.requiresGrad) continue;
        const key = this.savedKey(name);
        const [from, file] = files.find(([, f]) => f.has(key)) ?? [];
        if (!file) throw new Error(`${path}: no tensor '${key}' for trainable parameter ${name}`);
        const value = await file.read(key, { into: p.dtype });
        if (value.shape.join() !== p.shape.join()) throw new Error(`${from}: '${key}' has shape [${value.shape.join(', ')}], the adapter has [${p.shape.join(', ')}]`);
        loaded.push([p, value]);
      }
      for (const [p, value] of loaded) p.assign(value);
    } finally {
      for (const [, f] of files) await f.close();
    }
  }
}
