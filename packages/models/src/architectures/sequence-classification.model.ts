import { Linear, Module, type Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import { type Backbone, createBackbone } from './backbones.js';
import type { BuildOptions } from './build-options.js';
import type { ForwardOptions } from './causal-lm.interface.js';
import { lastNonPadToken } from './last-non-pad.js';

/** What a sequence classifier's forward takes: a padded batch, as for the causal LM (no cache). */
export type ClassifierForwardOptions = Pick<ForwardOptions, 'attentionMask' | 'positionIds'>;

/**
 * transformers' `<Arch>ForSequenceClassification` (`GenericForSequenceClassification`, and GPT-2's
 * own): the family's backbone under its usual name (`model.*`, `transformer.*`) and a bias-free
 * `score` [numLabels, hidden], read at each row's last non-pad token. With `numLabels` 1 it is a
 * reward model's head.
 */
export class SequenceClassificationModel extends Module {
  readonly score: Linear;
  private readonly backbone: Backbone;

  /**
   * `backbone`: an existing one (a causal LM's, under its transformers name) to put the head on, as
   * AutoModelForSequenceClassification does with a causal checkpoint; a new one by default.
   */
  constructor(
    readonly config: ModelConfig,
    readonly numLabels: number,
    build: BuildOptions,
    backbone: { readonly name: string; readonly module: Backbone } = createBackbone(config, build),
  ) {
    super();
    const { name, module } = backbone;
    this.backbone = this.module(name, module);
    this.score = this.module('score', new Linear(config.hidden, numLabels, { bias: false, dtype: build.dtype, rng: build.rng, empty: build.empty }));
    this.nameParameters();
  }

  /** Scores [B, numLabels] of input ids [B, T]. */
  forward(inputIds: Tensor, opts: ClassifierForwardOptions = {}): Tensor {
    const { hidden } = this.backbone.call(inputIds, opts);
    const [batch, , width] = hidden.shape;
    // Pooling before the projection: the same rows transformers picks from score(hidden), at 1/T the cost.
    const last = lastNonPadToken(inputIds, this.config.padTokenId).reshape(batch, 1, 1).expand(batch, 1, width);
    return this.score.call(hidden.takeAlongAxis(last, 1).reshape(batch, width));
  }

  /**
   * Scores [B, T, numLabels] at every position, not only the last: a PPO value model's per-token
   * values (TRL's `score(backbone(...).hidden_states[-1])`).
   */
  tokenScores(inputIds: Tensor, opts: ClassifierForwardOptions = {}): Tensor {
    return this.score.call(this.backbone.call(inputIds, opts).hidden);
  }
}
