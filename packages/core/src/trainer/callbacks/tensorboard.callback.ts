import { hostname } from 'node:os';
import { join } from 'node:path';
import { Subscription } from 'rxjs';
import type { EventBus } from '../../events/event-bus.js';
import { EventFileWriter } from '../../tensorboard/event-file.writer.js';
import { tensorboardScalars } from '../../tensorboard/tensorboard-tags.js';
import type { TrainingArguments } from '../training-arguments.js';
import type { TrainerCallback } from './trainer-callback.interface.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number): string => String(n).padStart(2, '0');

/** HF's (and torch's) default run folder name, `%b%d_%H-%M-%S_<host>` in local time: `Dec04_23-41-05_box`. */
export function defaultRunName(now: Date, host = hostname()): string {
  return `${MONTHS[now.getMonth()]}${two(now.getDate())}_${two(now.getHours())}-${two(now.getMinutes())}-${two(now.getSeconds())}_${host}`;
}

/** `logging_dir`, else `$TENSORBOARD_LOGGING_DIR` (HF v5's way), else HF's `<output_dir>/runs/<run name>`. */
export function resolveLoggingDir(args: Pick<TrainingArguments, 'logging_dir' | 'output_dir'>, now = new Date(), env = process.env): string {
  return args.logging_dir ?? env.TENSORBOARD_LOGGING_DIR ?? join(args.output_dir, 'runs', defaultRunName(now));
}

/**
 * `report_to: tensorboard`: every `log` and `eval` event as scalars in a TensorBoard event file,
 * under HF's tags (`train/loss`, `eval/loss`, ...). The file opens at the first metrics, so a run
 * that logs nothing leaves no empty file, and closes when the run ends.
 */
export class TensorBoardCallback implements TrainerCallback {
  readonly name = 'tensorboard';

  attach(bus: EventBus, args: TrainingArguments): Subscription {
    if (!args.report_to.includes('tensorboard')) return new Subscription();
    const dir = resolveLoggingDir(args);
    let writer: EventFileWriter | null = null;
    const write = (step: number, metrics: Readonly<Record<string, number>>): void => {
      writer ??= new EventFileWriter(dir);
      writer.add(step, tensorboardScalars(metrics));
    };
    const sub = new Subscription();
    sub.add(bus.on('log').subscribe((e) => write(e.step, e.metrics)));
    sub.add(bus.on('eval').subscribe((e) => write(e.step, e.metrics)));
    sub.add(() => writer?.close());
    return sub;
  }
}
