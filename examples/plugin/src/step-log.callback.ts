import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EventBus, TrainerCallback, TrainingArguments } from '@tunekit/core';

export const STEP_LOG_FILE = 'steps.jsonl';

/** Appends `{"step", "loss", "lr"}` for every optimizer step to output_dir/steps.jsonl, across resumes. */
export class StepLogCallback implements TrainerCallback {
  readonly name = 'step-log';

  attach(bus: EventBus, args: TrainingArguments): ReturnType<TrainerCallback['attach']> {
    mkdirSync(args.output_dir, { recursive: true });
    const file = join(args.output_dir, STEP_LOG_FILE);
    return bus.on('step').subscribe((e) => appendFileSync(file, `${JSON.stringify({ step: e.step, loss: e.loss, lr: e.lr })}\n`));
  }
}
