import type { Subscription } from 'rxjs';
import type { EventBus } from '../../events/event-bus.js';
import type { TrainingArguments } from '../training-arguments.js';

/**
 * A subscriber to the trainer's events (progress bar, metrics log, early stopping, dashboards).
 * `attach` is called at the start of `train()`/`evaluate()` and the subscription is closed at the
 * end, so any per-run state lives in the closure, not on the callback.
 */
export interface TrainerCallback {
  readonly name: string;
  attach(bus: EventBus, args: TrainingArguments): Subscription;
}
