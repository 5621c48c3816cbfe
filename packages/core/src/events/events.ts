/** Everything the trainer announces, as one discriminated union (`type` picks the payload). */
export type TrainerEvent =
  | {
      type: 'train_begin';
      totalSteps: number;
      epochs: number;
      trainableParams: number;
      /** Steps already done when resuming (0 or absent for a fresh run). */
      startStep?: number;
      /** The resumed run's log history, so stateful callbacks (early stopping) can catch up. */
      history?: readonly Readonly<Record<string, number>>[];
    }
  | { type: 'step'; step: number; epoch: number; loss: number; lr: number; gradNorm: number; tokens: number; elapsedMs: number }
  | { type: 'log'; step: number; metrics: Record<string, number> }
  | { type: 'eval'; step: number; metrics: Record<string, number> }
  | { type: 'checkpoint'; step: number; dir: string }
  /** Something the user should read that is not an error: stale files removed, a skipped step, a resume that had nothing left to do. */
  | { type: 'notice'; step: number; message: string }
  | { type: 'train_end'; step: number; metrics: Record<string, number>; stopReason?: string }
  | { type: 'error'; step: number; error: Error };

export type TrainerEventType = TrainerEvent['type'];
export type EventOf<T extends TrainerEventType> = Extract<TrainerEvent, { type: T }>;

/** What subscribers can ask of the trainer (early stopping, Ctrl-C, a dashboard). */
export type TrainerCommand = { type: 'stop'; reason: string } | { type: 'save_now'; reason: string };
