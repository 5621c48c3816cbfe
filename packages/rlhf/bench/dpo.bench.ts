/**
 * `npm run bench:dpo`: one DPO training step (policy forward over the chosen and rejected rows,
 * the reference's log-probs, the sigmoid loss, backward, AdamW) of a SmolLM2-135M-shaped random
 * model with LoRA r16 on all linear layers, 512-token chosen and rejected rows, batch 1 (one
 * pair), through ONNX Runtime on all cores. Each case runs in its own process so its peak RSS is
 * its own. The baseline is bench:sft's step at the same shape: the same two 512-token rows.
 * Targets from the issue: the reference costs at most 0.5× of an SFT step (it is a forward pass
 * only), and peak RSS is at most 1.3× SFT's.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AdamW, type Batch, HostTensor, OrtExecutor, Rng, Tensor, TrainStep } from '@tunekit/core';
import { type CausalLM, createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { LoraModel, parseLoraConfig } from '@tunekit/peft-lora';
import { DpoTask, adapterReference, parseDpoConfig, precomputedReference } from '@tunekit/rlhf';

const TOKENS = 512;
const PROMPT = 128;
const STEPS = 4;
type CaseName = 'sft' | 'dpo reference traced in' | 'dpo precompute_ref_log_probs';
const CASES: readonly CaseName[] = ['sft', 'dpo reference traced in', 'dpo precompute_ref_log_probs'];

const peakRssMib = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** One pair: a shared 128-token prompt, then a 384-token chosen and a 384-token rejected completion. */
function pairBatch(vocab: number): Batch {
  const rng = new Rng(1);
  const prompt = Array.from({ length: PROMPT }, () => rng.int(vocab));
  const row = () => [...prompt, ...Array.from({ length: TOKENS - PROMPT }, () => rng.int(vocab))];
  const completion = Array.from({ length: TOKENS }, (_, i) => Number(i >= PROMPT));
  return {
    tensors: {
      input_ids: HostTensor.i64([2, TOKENS], [...row(), ...row()]),
      attention_mask: HostTensor.i64([2, TOKENS], new Array(2 * TOKENS).fill(1)),
      completion_mask: HostTensor.f32([2, TOKENS], [...completion, ...completion]),
    },
    tokens: 2 * TOKENS,
  };
}

async function runCase(name: CaseName): Promise<void> {
  const config = parseModelConfig(tinyConfigJson({ preset: 'smollm2-135m' }));
  const model: CausalLM = createModel(config, { seed: 0 }).nameParameters();
  const lora = LoraModel.inject(model, parseLoraConfig({ r: 16, lora_alpha: 32, target_modules: 'all-linear' }));
  const params = model.trainableParameters();
  const executor = new OrtExecutor();
  const step = new TrainStep(executor, params);
  const optimizer = new AdamW(params, { lr: 1e-4, weightDecay: 0 });
  const batch = pairBatch(config.vocab);
  let feeds = batch.tensors;
  let precomputeMs: number | null = null;
  let trace: () => Tensor | { loss: Tensor };

  if (name === 'sft') {
    // bench:sft's step on the same two rows, every token learned.
    trace = () => {
      const ids = Tensor.input('input_ids', [2, TOKENS], 'i64');
      return model.loss(ids, ids);
    };
  } else {
    const dpo = parseDpoConfig({ precompute_ref_log_probs: name !== 'dpo reference traced in' });
    const traced = adapterReference(model, (fn) => lora.disableAdapter(fn));
    if (dpo.precompute_ref_log_probs) {
      // The pass before training: the reference's log-probs of the pair, fed with the batch.
      const s = performance.now();
      const rows = { prefix: '', ids: Tensor.input('input_ids', [2, TOKENS], 'i64'), attentionMask: Tensor.input('attention_mask', [2, TOKENS], 'i64'), completionMask: Tensor.input('completion_mask', [2, TOKENS]) };
      const [ref] = await executor.compile([traced.logps(rows, batch)]).run(batch.tensors);
      precomputeMs = performance.now() - s;
      feeds = { ...batch.tensors, ref_logps: ref };
    }
    const task = new DpoTask(model, dpo, dpo.precompute_ref_log_probs ? precomputedReference() : traced);
    trace = () => task.trace({ ...batch, tensors: feeds });
  }

  const once = async () => {
    await step.run(trace, feeds);
    optimizer.step();
    optimizer.zeroGrad();
  };
  const t0 = performance.now();
  await once(); // compiles the program
  const compileMs = performance.now() - t0;
  await once();
  const times: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const s = performance.now();
    await once();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  console.log(
    JSON.stringify({
      bench: 'dpo',
      case: `smollm2-135m lora r16 all-linear ${name} T=${TOKENS} chosen+rejected b1`,
      tokens_per_s: Math.round(((2 * TOKENS) / ms) * 10000) / 10,
      ms: Math.round(ms),
      peak_rss_mib: peakRssMib(),
      first_step_ms: Math.round(compileMs),
      ...(precomputeMs !== null ? { precompute_pass_ms_per_pair: Math.round(precomputeMs) } : {}),
    }),
  );
  await executor.dispose();
}

const only = process.argv[2] as CaseName | undefined;
if (only) {
  await runCase(only);
} else {
  const self = fileURLToPath(import.meta.url);
  const results: Record<string, { ms: number; peak_rss_mib: number }> = {};
  for (const name of CASES) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    process.stdout.write(r.stdout);
    if (r.status !== 0) process.exitCode = 1;
    const line = r.stdout.trim().split('\n').pop();
    if (line) results[name] = JSON.parse(line);
  }
  const sft = results.sft;
  for (const name of CASES.slice(1)) {
    const dpo = results[name];
    if (!sft || !dpo) continue;
    // The reference's share: what the DPO step costs beyond an SFT step over the same rows.
    const referenceCost = (dpo.ms - sft.ms) / sft.ms;
    const rssRatio = dpo.peak_rss_mib / sft.peak_rss_mib;
    console.log(
      JSON.stringify({
        bench: 'dpo-vs-sft',
        case: name,
        step_time_ratio: Math.round((dpo.ms / sft.ms) * 100) / 100,
        reference_cost_vs_sft_step: Math.round(referenceCost * 100) / 100,
        peak_rss_ratio: Math.round(rssRatio * 100) / 100,
        target_reference_cost: 0.5,
        target_peak_rss_ratio: 1.3,
        meets_target: referenceCost <= 0.5 && rssRatio <= 1.3,
      }),
    );
  }
}
