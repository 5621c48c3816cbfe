import { join } from 'node:path';
import { type Batch, CausalLmTask, type HostTensor, InMemoryDataSource, isNoDecayName, OrtExecutor, type Parameter, parseTrainingArguments, readSafetensors, Trainer, TrainStep } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import type { LoadedModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/causal-lm.test-support.js';
import { GOLDEN_PEFT, adapterDir, loadGoldenAdapter, loadGoldenBase, readJson } from '../testing/golden-peft.test-support.js';

/**
 * PEFT 0.21 training from its saved random LoRA adapter (`peft-saved/lora_train_step`, README):
 * the first step's gradients and three torch AdamW steps (lr 1e-2, betas 0.9/0.999, eps 1e-8,
 * weight_decay 0.01, no clipping, constant rate), run through TuneKit's Trainer.
 */
const DIR = join(GOLDEN_PEFT, 'peft-saved', 'lora_train_step');
/** PEFT's in-memory names: the wrapped model's parameter path under `base_model.model.`. */
const peftName = (name: string) => `base_model.model.${name}`;

/**
 * How closely the weights after three steps must agree, by the size of the step-0 gradient
 * (relative to its tensor's largest), as max|a − b| over those elements / the tensor's largest weight.
 * Adam's first steps move a weight by about lr·sign(m/√v) whatever the gradient's size, so the
 * smaller the gradient, the more float32 rounding in the gradients (7e-6 of each tensor's largest,
 * torch's and ours alike) can move it. That is the whole story: TuneKit's ORT and reference
 * executors, both float32, end the same three steps 2.3e-3 apart (relative to each tensor's
 * largest weight) without PEFT in the picture. The README's rule (1e-5 wherever |g| > 1e-4·max)
 * does not hold for that reason: measured 2.8e-4 there, and 7.6e-6 where |g| > 0.3·max. A missing
 * or misapplied weight decay (3·lr·wd·|w|, 3e-4 of a weight) or a wrong bias correction fails the first row.
 */
const WEIGHT_CHECKS = [
  { gradientAbove: 0.3, tolerance: 1e-5 },
  { gradientAbove: 1e-4, tolerance: 5e-4 },
] as const;

/** max|got − want| over the elements whose |gradient| exceeds `fraction` of the largest, over max|want|. */
function errorWhereGradient(got: Float32Array, want: Float32Array, gradient: Float32Array, fraction: number): number {
  const gMax = gradient.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
  const wMax = want.reduce((m, w) => Math.max(m, Math.abs(w)), 0);
  let diff = 0;
  gradient.forEach((g, i) => {
    if (Math.abs(g) > fraction * gMax) diff = Math.max(diff, Math.abs(got[i] - want[i]));
  });
  return diff / wMax;
}

interface Expected {
  losses_before_each_step: number[];
  lr: number;
  betas: [number, number];
  eps: number;
  weight_decay: number;
  trainable_names: string[];
}

describe('LoRA training against PEFT 0.21 and torch AdamW', () => {
  let base: LoadedModel;
  // The caller's executor: loading a model makes none.
  const executor = new OrtExecutor();
  let task: CausalLmTask;
  let params: [string, Parameter][];
  let inputs: Map<string, HostTensor>;
  let grads0: Map<string, HostTensor>;
  let expected: Expected;
  beforeAll(async () => {
    base = await loadGoldenBase();
    await loadGoldenAdapter(base.model, adapterDir('peft-saved', 'lora'), { trainable: true });
    task = new CausalLmTask(base.model, { labelsShiftedInside: true });
    params = base.model.namedParameters().filter(([, p]) => p.requiresGrad);
    inputs = await readSafetensors(join(DIR, 'inputs.safetensors'));
    grads0 = await readSafetensors(join(DIR, 'grads_step0.safetensors'));
    expected = readJson<Expected>(join(DIR, 'expected.json'));
  });
  afterAll(() => executor.dispose());

  it('trains exactly the parameters PEFT trains, all with weight decay as torch AdamW in the script applies it', () => {
    expect(params.map(([n]) => peftName(n)).sort()).toEqual([...expected.trainable_names].sort());
    // The Trainer exempts biases and norms (HF's grouping); LoRA matrices are neither.
    expect(params.filter(([n]) => isNoDecayName(n))).toEqual([]);
  });

  it("step 0: the loss and every gradient are PEFT's (≤ 1e-4 relative per tensor)", async () => {
    const batch: Batch = { tensors: { input_ids: inputs.get('input_ids')!, labels: inputs.get('labels')! }, tokens: 0 };
    const { loss } = await new TrainStep(executor, params.map(([, p]) => p)).run(() => task.trace(batch).loss, batch.tensors);
    expect(reportGoldenError('train step-0 loss', relativeError([loss], [expected.losses_before_each_step[0]]))).toBeLessThanOrEqual(1e-5);
    const errors = params.map(([n, p]) => [n, relativeError(p.grad!, grads0.get(peftName(n))!.toFloat32())] as const);
    for (const [, p] of params) p.zeroGrad();
    reportGoldenError('train step-0 worst gradient', Math.max(...errors.map(([, e]) => e)));
    for (const [n, err] of errors) expect(err, n).toBeLessThanOrEqual(1e-4);
  });

  it("three AdamW steps through the Trainer: PEFT's losses, and its weights to a tolerance set by the gradient's size", async () => {
    const [beta1, beta2] = expected.betas;
    const args = parseTrainingArguments({
      output_dir: await tempDir('golden-train'),
      per_device_train_batch_size: 2,
      max_steps: 3,
      learning_rate: expected.lr,
      adam_beta1: beta1,
      adam_beta2: beta2,
      adam_epsilon: expected.eps,
      weight_decay: expected.weight_decay,
      optim: 'adamw_torch',
      lr_scheduler_type: 'constant',
      max_grad_norm: 0,
      save_strategy: 'no',
      logging_steps: 1,
    });
    const trainer = Trainer.create({ args, task, executor });
    const losses: number[] = [];
    trainer.bus.on('step').subscribe((e) => losses.push(e.loss));
    const [ids, labels] = ['input_ids', 'labels'].map((k) => rowsOf(inputs.get(k)!));
    await trainer.train(new InMemoryDataSource(ids.map((row, i) => ({ input_ids: row, labels: labels[i] })), { batchSize: 2, shuffle: false }));

    expect(losses).toHaveLength(3);
    losses.forEach((l, i) => expect(reportGoldenError(`train loss before step ${i}`, relativeError([l], [expected.losses_before_each_step[i]]))).toBeLessThanOrEqual(1e-5));

    const after = await readSafetensors(join(DIR, 'params_after_3_steps.safetensors'));
    for (const { gradientAbove, tolerance } of WEIGHT_CHECKS) {
      let worst = 0;
      for (const [n, p] of params) {
        const err = errorWhereGradient(p.value.toFloat32(), after.get(peftName(n))!.toFloat32(), grads0.get(peftName(n))!.toFloat32(), gradientAbove);
        worst = Math.max(worst, err);
        expect(err, `${n} where |g| > ${gradientAbove}·max`).toBeLessThanOrEqual(tolerance);
      }
      reportGoldenError(`train weights after 3 steps where |g0| > ${gradientAbove}·max (worst tensor)`, worst);
    }
  });
});
