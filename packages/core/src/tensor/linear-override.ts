import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tensor } from './tensor.js';

/** Computes x·Wᵀ another way (a quantized product, say), or returns null to leave `F.linear` as it is. */
export type LinearOverride = (x: Tensor, weight: Tensor) => Tensor | null;

/** Per async context, so a scope covers every trace its awaited work makes and no other caller's. */
const active = new AsyncLocalStorage<LinearOverride>();

/** Runs `fn` with `override` asked first by every `F.linear` it traces, across its awaits. */
export function withLinearOverride<T>(override: LinearOverride, fn: () => T): T {
  return active.run(override, fn);
}

/** The product the active override makes for this linear, or null. */
export function overriddenLinear(x: Tensor, weight: Tensor): Tensor | null {
  return active.getStore()?.(x, weight) ?? null;
}
