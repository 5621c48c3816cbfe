import type { InjectionToken } from 'tsyringe';
import type { PeftMethod } from './peft/peft-method.interface.js';

/** Every parameter-efficient method registers one provider here; consumers use `@injectAll(PEFT_METHOD)`. */
export const PEFT_METHOD: InjectionToken<PeftMethod> = Symbol.for('tunekit.peft.Method');
