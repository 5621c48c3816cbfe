import { existsSync } from 'node:fs';
import { readdir, rename, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostTensor, type ModelCheckpointer, type Parameter, SafetensorsFile, writeSafetensors } from '@tunekit/core';
import { ADAPTER_WEIGHTS } from './adapter-files.js';
import type { AdapterHandle } from './peft-method.interface.js';

/**
 * Trainable parameters the method's adapter file does not hold under their key, because it saves
 * something made from them (prefix tuning's projected prefix), written beside it as they are.
 */
export const TRAINABLE_EXTRA = 'trainable_parameters.safetensors';

/** A trainable parameter's key in the method's saved adapter file (`base_model.model.…lora_A.weight`). */
export type SavedKey = (paramName: string) => string;

/**
 * Checkpoints hold the adapter as the method saves it (PEFT's adapter_config.json and
 * adapter_model.safetensors), so any checkpoint loads in PEFT as it is. Resuming reads the trained
 * tensors back into the live adapter by their saved keys, from TRAINABLE_EXTRA for any the adapter
 * file lacks, so a resumed run continues from exactly the parameters it stopped with. A method's
 * handle makes one with its own key mapping (`AdapterHandle.checkpointer`).
 */
export class AdapterCheckpointer implements ModelCheckpointer {
  constructor(
    private readonly handle: Pick<AdapterHandle, 'model' | 'save'>,
    private readonly savedKey: SavedKey,
    private readonly baseModel?: string,
  ) {}

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
