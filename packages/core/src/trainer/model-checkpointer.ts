import { join } from 'node:path';
import type { HostTensor } from '../host-tensor.js';
import type { Parameter } from '../ir/parameter.js';
import { SafetensorsFile } from '../safetensors/safetensors.reader.js';
import { writeSafetensors } from '../safetensors/safetensors.writer.js';

/**
 * Saves and restores the trained weights inside a checkpoint directory. The default saves every
 * trainable parameter; the LoRA package supplies one that writes a PEFT adapter instead.
 */
export interface ModelCheckpointer {
  /** Writes into `dir` (which exists; the trainer renames it into place afterwards). */
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
}

export const MODEL_WEIGHTS_FILE = 'model.safetensors';

/** Something that names its parameters: a Task, a Module. */
export interface NamedParameterSource {
  namedParameters(): Iterable<readonly [string, Parameter]>;
}

/** Every trainable parameter by name in `model.safetensors` (HF's file name), in its own dtype. */
export class TrainableParametersCheckpointer implements ModelCheckpointer {
  constructor(private readonly source: NamedParameterSource) {}

  private trainable(): [string, Parameter][] {
    return [...this.source.namedParameters()].filter(([, p]) => p.requiresGrad).map(([n, p]) => [n, p]);
  }

  async save(dir: string): Promise<void> {
    const tensors = new Map<string, HostTensor>(this.trainable().map(([name, p]) => [name, p.value]));
    await writeSafetensors(join(dir, MODEL_WEIGHTS_FILE), tensors, { format: 'pt' });
  }

  /** Reads and checks every tensor before assigning any, so a bad file leaves the model untouched. */
  async load(dir: string): Promise<void> {
    const path = join(dir, MODEL_WEIGHTS_FILE);
    const file = await SafetensorsFile.open(path);
    try {
      const loaded: [Parameter, HostTensor][] = [];
      for (const [name, p] of this.trainable()) {
        if (!file.has(name)) throw new Error(`${path}: no tensor '${name}' for trainable parameter of shape [${p.shape.join(', ')}]`);
        const value = await file.read(name, { into: p.dtype });
        if (value.shape.join() !== p.shape.join()) throw new Error(`${path}: '${name}' has shape [${value.shape.join(', ')}], parameter has [${p.shape.join(', ')}]`);
        loaded.push([p, value]);
      }
      for (const [p, value] of loaded) p.assign(value);
    } finally {
      await file.close();
    }
  }
}
