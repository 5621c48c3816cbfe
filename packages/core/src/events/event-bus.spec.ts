import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';
import type { TrainerCommand, TrainerEvent } from './events.js';

describe('EventBus', () => {
  it('delivers events in order and filters by type', () => {
    const bus = new EventBus();
    const all: TrainerEvent['type'][] = [];
    const losses: number[] = [];
    bus.events$.subscribe((e) => all.push(e.type));
    bus.on('step').subscribe((e) => losses.push(e.loss));
    bus.publish({ type: 'train_begin', totalSteps: 2, epochs: 1, trainableParams: 10 });
    bus.publish({ type: 'step', step: 1, epoch: 0, loss: 2.5, lr: 1e-3, gradNorm: 1, tokens: 8, elapsedMs: 3 });
    bus.publish({ type: 'step', step: 2, epoch: 0, loss: 1.5, lr: 1e-3, gradNorm: 1, tokens: 8, elapsedMs: 3 });
    bus.publish({ type: 'train_end', step: 2, metrics: {} });
    expect(all).toEqual(['train_begin', 'step', 'step', 'train_end']);
    expect(losses).toEqual([2.5, 1.5]);
  });

  it('carries commands back from subscribers', () => {
    const bus = new EventBus();
    const seen: TrainerCommand[] = [];
    bus.commands$.subscribe((c) => seen.push(c));
    bus.on('step').subscribe((e) => {
      if (e.loss < 1) bus.command({ type: 'stop', reason: 'converged' });
    });
    bus.publish({ type: 'step', step: 1, epoch: 0, loss: 0.5, lr: 0, gradNorm: 0, tokens: 0, elapsedMs: 0 });
    expect(seen).toEqual([{ type: 'stop', reason: 'converged' }]);
  });
});
