/** The signals a run saves a checkpoint on: Ctrl-C, and what Kubernetes and Slurm send on preemption. */
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/**
 * While installed, SIGINT or SIGTERM calls `onSignal` (the trainer then saves a checkpoint and stops
 * after the current optimizer step: a checkpoint mid-accumulation could not be resumed exactly).
 * A second signal gives up on saving: the handlers remove themselves and the signal is raised
 * again, which ends the process unless someone else handles it. Returns the uninstall function.
 */
export function installSignalHandlers(onSignal: (signal: StopSignal) => void): () => void {
  let received = false;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = (): void => {
      if (received) {
        uninstall();
        process.kill(process.pid, signal);
        return;
      }
      received = true;
      onSignal(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  const uninstall = (): void => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
  return uninstall;
}
