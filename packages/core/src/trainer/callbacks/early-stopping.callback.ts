import { Subscription } from 'rxjs';
import type { EventBus } from '../../events/event-bus.js';
import { isImprovement } from '../trainer-state.js';
import { type TrainingArguments, evalMetricKey } from '../training-arguments.js';
import type { TrainerCallback } from './trainer-callback.interface.js';

/**
 * HF's EarlyStoppingCallback: after `early_stopping_patience` evaluations in a row in which
 * `metric_for_best_model` did not improve by more than `early_stopping_threshold`, it sends `stop`.
 * On resume it replays the restored log history first, so the count continues where it was.
 */
export class EarlyStoppingCallback implements TrainerCallback {
  readonly name = 'early_stopping';

  attach(bus: EventBus, args: TrainingArguments): Subscription {
    const patience = args.early_stopping_patience;
    if (patience === null) return new Subscription();
    const key = evalMetricKey(args.metric_for_best_model ?? 'loss');
    const greater = args.greater_is_better ?? !key.endsWith('loss');
    let best: number | null = null;
    let stale = 0;
    const observe = (metrics: Readonly<Record<string, number>>): boolean => {
      const value = metrics[key];
      if (value === undefined) return false;
      if (isImprovement(value, best, greater, args.early_stopping_threshold)) [best, stale] = [value, 0];
      else stale++;
      return stale >= patience;
    };
    const sub = new Subscription();
    sub.add(
      bus.on('train_begin').subscribe((e) => {
        [best, stale] = [null, 0];
        for (const entry of e.history ?? []) observe(entry);
      }),
    );
    sub.add(
      bus.on('eval').subscribe((e) => {
        if (observe(e.metrics)) bus.command({ type: 'stop', reason: `early stopping: ${key} has not improved on ${best} for ${stale} evaluations` });
      }),
    );
    return sub;
  }
}
