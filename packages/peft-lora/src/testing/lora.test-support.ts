import { type HostTensor, type Module, Parameter, ReferenceExecutor, Rng, Tensor, fromFloat32, HostTensor as HT } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';

export type Arch = 'llama' | 'gpt2' | 'qwen2';

/** A small random model of the given architecture (no files), with HF names. */
export function tinyModel(arch: Arch, seed = 0): CausalLM {
  const model = createModel(parseModelConfig(tinyConfigJson({ arch, hidden: 32, intermediate: 64, layers: 2, heads: 4, kvHeads: arch === 'gpt2' ? 4 : 2, vocab: 300 })), { seed });
  return model.nameParameters();
}

export const IDS = HT.i64([2, 5], [1, 5, 9, 13, 200, 7, 3, 99, 4, 42]);

/** Logits of a model for IDS on the reference executor. */
export async function logits(model: CausalLM): Promise<Float32Array> {
  const out = model.call(Tensor.input('ids', [2, 5], 'i64')).logits;
  const [host] = await new ReferenceExecutor().compile([out]).run({ ids: IDS });
  return host.toFloat32();
}

/** Gives every parameter whose name matches a random value, so adapters are not no-ops. */
export function randomize(model: Module, match: (name: string) => boolean, seed = 1, scale = 0.1): void {
  const rng = new Rng(seed);
  for (const [name, p] of model.namedParameters()) {
    if (!match(name)) continue;
    const v = Float32Array.from({ length: p.size }, () => (rng.uniform() * 2 - 1) * scale);
    p.assign(new HT(p.dtype, p.shape, fromFloat32(p.dtype, v)));
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function values(t: HostTensor | Parameter): Float32Array {
  return t instanceof Parameter ? t.value.toFloat32() : t.toFloat32();
}
