import type { Module } from '@tunekit/core';

/** (trainable, all) parameter counts as PEFT counts them: every parameter once, tied weights once. */
export function parameterCounts(model: Module): { trainable: number; all: number } {
  let trainable = 0;
  let all = 0;
  for (const p of model.parameters()) {
    all += p.size;
    if (p.requiresGrad) trainable += p.size;
  }
  return { trainable, all };
}

/** PEFT's line: `trainable params: 921,600 || all params: 135,436,608 || trainable%: 0.6805`. */
export function trainableParametersLine(model: Module): string {
  const { trainable, all } = parameterCounts(model);
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
}
