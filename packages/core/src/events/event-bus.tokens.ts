import type { InjectionToken } from 'tsyringe';
import type { EventBus } from './event-bus.js';

/** The run's event bus: the trainer publishes on it, callbacks subscribe. */
export const EVENT_BUS: InjectionToken<EventBus> = Symbol.for('tunekit.core.EventBus');
