import { type Executor, type ExecutorProvider, OrtExecutor, type Program } from '@tunekit/core';

export const ORT_SINGLE_THREAD = 'ort-single-thread';

/**
 * ONNX Runtime held to one intra-op thread: slower, but a run's timings stay comparable on a shared
 * machine, and it never competes with other jobs for cores.
 */
export class SingleThreadExecutor implements Executor {
  readonly name = ORT_SINGLE_THREAD;
  private readonly ort = new OrtExecutor({ threads: 1 });

  compile(outputs: Parameters<Executor['compile']>[0]): Program {
    return this.ort.compile(outputs);
  }

  dispose(): Promise<void> {
    return this.ort.dispose();
  }
}

/** `executor: ort-single-thread` in a run config, or `--executor ort-single-thread`. */
export const SINGLE_THREAD_EXECUTOR: ExecutorProvider = { name: ORT_SINGLE_THREAD, create: () => new SingleThreadExecutor() };
