// A rank of the KTO data parallel spec: LoRA on the tiny Llama, task kto with the adapter-disabled
// reference, 6 unpaired micro-batches of 4 rows. `joined` (one process) trains on micro-batches
// 2k and 2k + 1, the two ranks' k-th, as one batch of 8 rows. Core's `runRank` trains it and
// writes `result-rank<r>.json`, for `readRanks` and `compareRuns`.
import { type Batch, HostTensor, Rng } from '@tunekit/core';
import { type RunSpec, runRank } from '@tunekit/core/testing/ranks';
import { type CausalLM, loadModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { parseKtoConfig } from '../offline/config/kto.config.js';
import { adapterReference } from '../offline/reference/reference-policy.js';
import { KtoTask } from '../offline/tasks/kto.task.js';
import { type TokenExample, fixedSource, unpairedBatch } from './preference-batches.test-support.js';

export interface KtoRankSpec extends RunSpec {
  modelDir: string;
  joined: boolean;
}

/** Rows of one length (a 4-token prompt, a 3-token completion), so batches of them join without padding. */
function examples(count: number, seed: number): TokenExample[] {
  const rng = new Rng(seed);
  const ids = (n: number) => Array.from({ length: n }, () => 4 + rng.int(60));
  return Array.from({ length: count }, (_, i) => ({ prompt: ids(4), completion: ids(3), label: (i % 2) as 0 | 1 }));
}

/** `a`'s rows, then `b`'s, in every tensor (both halves' KL rows stay their own batch's). */
function join(a: Batch, b: Batch): Batch {
  const tensors = Object.fromEntries(
    Object.entries(a.tensors).map(([name, x]) => {
      const y = b.tensors[name];
      const data = new (x.data.constructor as new (n: number) => typeof x.data)(x.data.length + y.data.length);
      data.set(x.data as never);
      data.set(y.data as never, x.data.length);
      return [name, new HostTensor(x.dtype, [x.shape[0] + y.shape[0], ...x.shape.slice(1)], data)];
    }),
  );
  return { tensors, tokens: a.tokens + b.tokens };
}

const spec = JSON.parse(process.argv[2]) as KtoRankSpec;
const model = (await loadModel(spec.modelDir)).model as CausalLM;
const handle = LORA_METHOD.apply(model, LORA_METHOD.parseConfig({ r: 4, lora_alpha: 8, target_modules: ['q_proj', 'v_proj', 'o_proj'] }), { seed: 1 });
// Random adapter weights, the same on every rank: policy and reference differ from the first step, and so do the ranks' KL estimates.
const rng = new Rng(4);
for (const [, p] of model.namedParameters().filter(([, p]) => p.requiresGrad)) p.assign(HostTensor.f32(p.shape, Float32Array.from({ length: p.value.size }, () => rng.normal())));
const task = new KtoTask(model, parseKtoConfig({ beta: 0.5 }), adapterReference(model, handle.disableAdapter));
const micro = Array.from({ length: 6 }, (_, k) => unpairedBatch(examples(4, 700 + k)));
const batches = spec.joined ? [0, 2, 4].map((k) => join(micro[k], micro[k + 1])) : micro;

await runRank(spec, task, { data: fixedSource(batches, spec.perDeviceBatch) });
