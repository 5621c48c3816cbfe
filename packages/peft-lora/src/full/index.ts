import type { DependencyContainer } from 'tsyringe';
import { PEFT_METHOD } from '../tokens.js';
import { FULL_METHOD } from './full.method.js';

export { FULL, FULL_METHOD } from './full.method.js';

/** The method's one registration call. */
export function registerFull(container: DependencyContainer): void {
  container.register(PEFT_METHOD, { useValue: FULL_METHOD });
}
