import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Dropout } from '../nn/dropout.js';
import { Module } from '../nn/module.js';
import { Rng } from '../random/rng.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Example } from './in-memory.data-source.js';
import { TinyLm, type TinyLmConfig } from './tiny-lm.test-support.js';
import { type TrainingArguments, parseTrainingArguments } from './training-arguments.js';

export const TINY: TinyLmConfig = { vocab: 32, hidden: 32, intermediate: 64, layers: 2, seed: 7 };
export const SEQ = 12;

/** Wraps a submodule so its output goes through dropout: the way a plugin inserts a layer. */
class WithDropout extends Module {
  readonly inner: Module & { forward(x: Tensor): Tensor };
  readonly drop: Dropout;
  constructor(inner: Module & { forward(x: Tensor): Tensor }, p: number) {
    super();
    this.inner = this.module('inner', inner);
    this.drop = this.module('drop', new Dropout(p));
  }
  forward(x: Tensor): Tensor {
    return this.drop.call(this.inner.call(x));
  }
}

/**
 * TinyLm with dropout after every MLP (two Dropout modules, two Rngs), and gradient
 * checkpointing switchable the way a real model's `setGradientCheckpointing` would.
 */
export function tinyLm(dropout = 0.1): TinyLm & { setGradientCheckpointing(enabled: boolean): void } {
  const model = new TinyLm({ ...TINY });
  if (dropout > 0) {
    model.model.layers.list.forEach((layer) => layer.replaceModule('mlp', new WithDropout(layer.mlp, dropout)));
    model.nameParameters();
  }
  return Object.assign(model, {
    setGradientCheckpointing(enabled: boolean) {
      model.config.gradientCheckpointing = enabled;
    },
  });
}

/** Random next-token examples (labels = ids shifted by one), some label positions masked with -100. */
export function examples(count: number, seed = 99, masked = 0): Example[] {
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const row = Array.from({ length: SEQ + 1 }, () => rng.int(TINY.vocab));
    const labels = row.slice(1).map((t, i) => (i < masked ? -100 : t));
    return { input_ids: row.slice(0, SEQ), labels };
  });
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tunekit-trainer-'));
}

export function args(overrides: Partial<TrainingArguments> & { output_dir: string }): TrainingArguments {
  return parseTrainingArguments({ per_device_train_batch_size: 2, per_device_eval_batch_size: 2, learning_rate: 1e-2, logging_steps: 1, ...overrides });
}
