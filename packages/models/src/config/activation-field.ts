import { ACT2FN } from '@tunekit/core';
import type { ConfigFields } from './config-fields.js';

/** An activation name, checked against the activations the engine implements. */
export function readActivation(f: ConfigFields, key: string, fallback: string): string {
  const name = f.string(key, fallback);
  if (!Object.hasOwn(ACT2FN, name)) f.fail(key, `activation "${name}" is not supported (supported: ${Object.keys(ACT2FN).join(', ')})`);
  return name;
}
