import type { FloatDType, Rng } from '@tunekit/core';

/** How a model's parameters are allocated when it is built (loading overwrites the values). */
export interface BuildOptions {
  /** Storage dtype of every parameter; compute is f32 either way. */
  readonly dtype: FloatDType;
  /** Source of the initial values, so a seed fixes a freshly built model. */
  readonly rng: Rng;
  /** Allocate zeros instead of drawing values: loading overwrites every weight anyway. */
  readonly empty?: boolean;
}
