import type { Module, Parameter } from '@tunekit/core';

/**
 * A module whose stored parameters stand for another count: a quantized layer holds packed codes
 * and scales, but PEFT counts the weight's elements (`numel() * 2` for a 4-bit weight packed two per
 * byte; a bitsandbytes layer's scales are not parameters at all).
 */
export interface LogicalParameterCount {
  /** Frozen parameters, as PEFT would count them, for this module's own parameters. */
  logicalParameterCount(): number;
}

const hasLogicalCount = (m: Module): m is Module & LogicalParameterCount =>
  typeof (m as Partial<LogicalParameterCount>).logicalParameterCount === 'function';

/** (trainable, all) parameter counts as PEFT counts them: every parameter once, tied weights once. */
export function parameterCounts(model: Module): { trainable: number; all: number } {
  let trainable = 0;
  let all = 0;
  const counted = new Set<Parameter>();
  for (const [, m] of model.namedModules()) {
    if (!hasLogicalCount(m)) continue;
    for (const p of m.parameters()) counted.add(p);
    all += m.logicalParameterCount();
  }
  for (const p of model.parameters()) {
    if (p.requiresGrad) trainable += p.size;
    if (!counted.has(p)) all += p.size;
  }
  return { trainable, all };
}

/** PEFT's line: `trainable params: 921,600 || all params: 135,436,608 || trainable%: 0.6805`. */
export function trainableParametersLine(model: Module): string {
  const { trainable, all } = parameterCounts(model);
  const fmt = (n: number) => n.toLocaleString('en-US');
  return `trainable params: ${fmt(trainable)} || all params: ${fmt(all)} || trainable%: ${((100 * trainable) / all).toFixed(4)}`;
}
