import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Subscription } from 'rxjs';
import type { EventBus } from '../../events/event-bus.js';
import type { TrainingArguments } from '../training-arguments.js';
import type { TrainerCallback } from './trainer-callback.interface.js';

export const METRICS_LOG_FILE = 'metrics.jsonl';

/**
 * `report_to: jsonl` (the default): `<output_dir>/metrics.jsonl`, one JSON object per `log` and `eval` event, like HF's
 * `log_history`. Writes are synchronous appends, so the file is complete up to the last event even
 * if the process dies. A resumed run first drops lines past its checkpoint, which the interrupted
 * run wrote but the resumed one will write again.
 */
export class MetricsLogCallback implements TrainerCallback {
  readonly name = 'metrics_log';

  attach(bus: EventBus, args: TrainingArguments): Subscription {
    if (!args.report_to.includes('jsonl')) return new Subscription();
    const file = join(args.output_dir, METRICS_LOG_FILE);
    const append = (entry: Record<string, number>): void => {
      mkdirSync(args.output_dir, { recursive: true });
      appendFileSync(file, `${JSON.stringify(entry)}\n`);
    };
    const sub = new Subscription();
    sub.add(bus.on('train_begin').subscribe((e) => truncateAfter(file, e.startStep ?? 0)));
    sub.add(bus.on('log').subscribe((e) => append({ ...e.metrics, step: e.step })));
    sub.add(bus.on('eval').subscribe((e) => append({ ...e.metrics, step: e.step })));
    return sub;
  }
}

/** Keeps the entries at or before `step`: a fresh run (step 0) starts a new log, a resumed one drops what it will redo. */
function truncateAfter(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .filter((l) => {
      try {
        return (JSON.parse(l) as { step?: number }).step! <= step;
      } catch {
        return false;
      }
    });
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
