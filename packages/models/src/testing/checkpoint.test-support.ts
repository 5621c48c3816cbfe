import { type HostTensor, Rng, readSafetensors, writeSafetensors } from '@tunekit/core';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary folder per call; `cleanup` removes all of them. */
export function tempDirs(): { make(tag: string): Promise<string>; cleanup(): Promise<void> } {
  const dirs: string[] = [];
  return {
    async make(tag) {
      const dir = await mkdtemp(join(tmpdir(), `tunekit-models-${tag}-`));
      dirs.push(dir);
      return dir;
    },
    cleanup: () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))).then(() => undefined),
  };
}

/**
 * transformers' init makes every bias 0 and every norm weight 1, which would hide a bias that is
 * never added or a norm that ignores its weight. This rewrites them with random values in place.
 */
export async function perturbBiasesAndNorms(file: string, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const tensors = await readSafetensors(file);
  const out = new Map<string, HostTensor>();
  for (const [name, t] of tensors) {
    const isNorm = /(norm|ln_\d|ln_f)\.weight$/.test(name);
    if (isNorm || name.endsWith('.bias')) {
      const data = t.data as Float32Array;
      for (let i = 0; i < data.length; i++) data[i] = (isNorm ? 1 : 0) + 0.3 * rng.normal();
    }
    out.set(name, t);
  }
  await writeSafetensors(file, out, { format: 'pt' });
}

/** Every tensor of a safetensors file as f32 values. */
export async function readWeights(file: string): Promise<Map<string, Float32Array>> {
  const tensors = await readSafetensors(file);
  return new Map([...tensors].map(([name, t]) => [name, t.toFloat32()]));
}
