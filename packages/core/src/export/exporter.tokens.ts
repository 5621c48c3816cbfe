import type { InjectionToken } from 'tsyringe';
import type { Exporter } from './exporter.interface.js';

/** Output formats by name (`tunekit export --format NAME`); consumers take `@injectAll(EXPORTER)`. */
export const EXPORTER: InjectionToken<Exporter> = Symbol.for('tunekit.core.Exporter');
