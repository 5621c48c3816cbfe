import { mkdir } from 'node:fs/promises';
import { CheckpointError } from '@tunekit/models';
import { join } from 'node:path';
import { type HostTensor, type Parameter, SafetensorsFile, clipDetail, readJsonObject, showValue, writeJsonFile, writeSafetensors } from '@tunekit/core';

/** The two files of a saved adapter, as PEFT's save_pretrained names them. */
export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
/** PEFT saves tensors under the wrapped model's path: `base_model.model.` + the parameter's path. */
export const PEFT_PREFIX = 'base_model.model.';

/** An adapter folder whose config file does not describe an adapter this method can load; the message starts with the file. */
export class AdapterConfigError extends Error {
  override readonly name = 'AdapterConfigError';
}

/** Names the file in a config error; a TypeError or RangeError is a bug of ours and stays what it is. */
const withFile = (file: string, e: unknown): Error =>
  e instanceof TypeError || e instanceof RangeError ? e : new AdapterConfigError(`${file}: ${clipDetail((e instanceof Error ? e.message : String(e)).replace(/\s*\n\s*/g, '; '))}`, { cause: e });

/** adapter_config.json as a JSON object, validated by the method's `parse`; every error names the file. */
export async function readAdapterConfigFile<C>(dir: string, parse: (raw: Record<string, unknown>) => C): Promise<C> {
  const file = join(dir, ADAPTER_CONFIG);
  const raw = await readJsonObject(file);
  try {
    return parse(raw);
  } catch (e) {
    throw withFile(file, e);
  }
}

/** Runs `fn` (applying a file's config to a model), naming the config file in any error it throws. */
export function configFileErrors<T>(dir: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw withFile(join(dir, ADAPTER_CONFIG), e);
  }
}

/**
 * Writes `adapter_config.json` and `adapter_model.safetensors` into `dir`. The outermost caller
 * (a checkpoint, the CLI's output folder, a script) stages the folder with `writeDirAtomically` when
 * it needs all or nothing, so a checkpoint is staged once.
 */
export async function writeAdapterFolder(dir: string, config: Record<string, unknown>, tensors: ReadonlyMap<string, HostTensor>): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeJsonFile(join(dir, ADAPTER_CONFIG), config);
  await writeSafetensors(join(dir, ADAPTER_WEIGHTS), tensors, { format: 'pt' });
}

/**
 * Reads every tensor of `adapter_model.safetensors` into the parameter `lookup` gives for its key.
 * Names, shapes and completeness (`expected` keys) are all checked before any parameter changes, so
 * a file that does not fit leaves the model as it was; every error names the file and the tensor.
 */
export async function assignAdapterTensors(dir: string, lookup: (key: string) => Parameter | undefined, expected: readonly string[]): Promise<void> {
  const file = join(dir, ADAPTER_WEIGHTS);
  const st = await SafetensorsFile.open(file);
  try {
    const plan: [string, Parameter][] = [];
    for (const key of st.names()) {
      const p = lookup(key);
      if (!p) throw new CheckpointError(file, null, `tensor ${showValue(key)} matches no parameter of the adapted model`);
      const { shape } = st.info(key);
      if (shape.join() !== p.shape.join()) {
        throw new CheckpointError(file, null, `tensor ${showValue(key)} has shape [${shape.join(', ')}], the model expects [${p.shape.join(', ')}]`);
      }
      plan.push([key, p]);
    }
    const seen = new Set(plan.map(([key]) => key));
    const missing = expected.filter((k) => !seen.has(k));
    if (missing.length) throw new CheckpointError(file, null, `missing adapter tensors ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`);
    const values: [Parameter, HostTensor][] = [];
    for (const [key, p] of plan) values.push([p, await st.read(key, { into: p.dtype })]);
    for (const [p, value] of values) p.assign(value);
  } finally {
    await st.close();
  }
}
