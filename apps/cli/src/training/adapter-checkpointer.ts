import { readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostTensor, type ModelCheckpointer, type Parameter, SafetensorsFile } from '@tunekit/core';
import { ADAPTER_WEIGHTS, type AdapterHandle, peftKey } from '@tunekit/peft-lora';

/** A trainable parameter's key in the method's saved adapter file, per method. */
export const ADAPTER_KEYS: Readonly<Record<string, (paramName: string) => string>> = {
  // The CLI trains LoRA's default adapter, which PEFT saves without its name.
  lora: (name) => peftKey(name, 'default'),
};

/**
 * Checkpoints hold the adapter as the method saves it (PEFT's adapter_config.json and
 * adapter_model.safetensors), so any checkpoint loads in PEFT as it is. Resuming reads the trained
 * tensors back into the live adapter by their saved keys.
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
    for (const name of await readdir(staging)) await rename(join(staging, name), join(dir, name));
    await rmdir(staging);
  }

  /** Reads and checks every tensor before assigning any, so a bad checkpoint leaves the adapter untouched. */
  async load(dir: string): Promise<void> {
    const path = join(dir, ADAPTER_WEIGHTS);
    const file = await SafetensorsFile.open(path);
    try {
      const loaded: [Parameter, HostTensor][] = [];
      for (const [name, p] of this.handle.model.namedParameters()) {
        if (!p.requiresGrad) continue;
        const key = this.savedKey(name);
        if (!file.has(key)) throw new Error(`${path}: no tensor '${key}' for trainable parameter ${name}`);
        const value = await file.read(key, { into: p.dtype });
        if (value.shape.join() !== p.shape.join()) throw new Error(`${path}: '${key}' has shape [${value.shape.join(', ')}], the adapter has [${p.shape.join(', ')}]`);
        loaded.push([p, value]);
      }
      for (const [p, value] of loaded) p.assign(value);
    } finally {
      await file.close();
    }
  }
}
