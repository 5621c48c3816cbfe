import type { EventBus } from '../events/event-bus.js';

/**
 * While installed, Ctrl-C asks the trainer to save a checkpoint and stop after the current
 * optimizer step (a checkpoint mid-accumulation could not be resumed exactly). A second Ctrl-C
 * gives up on saving: the handler removes itself and re-raises the signal, which ends the process
 * unless someone else handles SIGINT. Returns the uninstall function.
 */
export function installInterruptHandler(bus: EventBus): () => void {
  let pressed = false;
  const onSigint = (): void => {
    if (pressed) {
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    pressed = true;
    bus.command({ type: 'save_now', reason: 'SIGINT' });
    bus.command({ type: 'stop', reason: 'interrupted (SIGINT)' });
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}
