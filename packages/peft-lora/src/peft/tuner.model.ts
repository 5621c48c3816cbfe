import type { Module } from '@tunekit/core';
import { AdapterCheckpointer } from './adapter-checkpointer.js';
import { modulesToSaveIn } from './modules-to-save.js';
import { trainableParametersLine } from './parameter-count.js';
import type { AdapterHandle, SaveOptions } from './peft-method.interface.js';

/** A wrapped layer a tuner injects: it can be switched off to give the base layer's output. */
export type TunerLayer = Module & { disabled: boolean };

/**
 * What every injected-layer method shares (PEFT's BaseTuner): finding its layers, switching the
 * adapter off for a trace, the trainable-parameters line, merge-and-unload. A method (LoRA,
 * (IA)³, bottleneck adapters) keeps only what differs: how it injects, merges and unloads.
 */
export abstract class TunerModel<L extends TunerLayer> {
  protected constructor(readonly model: Module & { config?: { modelType?: string } }) {}

  /** Whether a module is this method's layer. */
  protected abstract isLayer(m: Module): m is L;

  abstract unload(): Module;

  abstract merge(): void;

  layers(): [string, L][] {
    return [...this.model.namedModules()].filter((e): e is [string, L] => this.isLayer(e[1]));
  }

  /**
   * Runs `fn` (a trace) with every adapter switched off, its layers and its modules_to_save copies:
   * the base model, e.g. DPO's reference. Each switch gets back the state it had (a nested call
   * leaves the outer one's switched off).
   */
  disableAdapter<T>(fn: () => T): T {
    const switches: { disabled: boolean }[] = [...this.layers().map(([, l]) => l), ...modulesToSaveIn(this.model).map(([, m]) => m)];
    const saved = switches.map((s) => s.disabled);
    switches.forEach((s) => (s.disabled = true));
    try {
      return fn();
    } finally {
      switches.forEach((s, i) => (s.disabled = saved[i]));
    }
  }

  /** Merges, then puts the original layers back: a plain model computing the adapted function. */
  mergeAndUnload(): Module {
    this.merge();
    return this.unload();
  }

  /** PEFT's line: `trainable params: 921,600 || all params: 135,436,608 || trainable%: 0.6805`. */
  trainableParametersLine(): string {
    return trainableParametersLine(this.model);
  }
}

/**
 * The `AdapterHandle` of a tuner: the same for every method but for its name, how it saves, and
 * how a parameter's name becomes its key in the saved file (runs train the `default` adapter).
 */
export function tunerHandle(
  method: string,
  tuner: TunerModel<TunerLayer>,
  io: { save: (dir: string, opts?: SaveOptions) => Promise<void>; key: (name: string, adapter: string) => string },
): AdapterHandle {
  const h: AdapterHandle = {
    method,
    model: tuner.model,
    trainableParameters: () => tuner.model.trainableParameters(),
    trainableParametersLine: () => tuner.trainableParametersLine(),
    save: io.save,
    mergeAndUnload: () => tuner.mergeAndUnload(),
    disableAdapter: (fn) => tuner.disableAdapter(fn),
    checkpointer: (opts) => new AdapterCheckpointer(h, (name) => io.key(name, 'default'), opts?.baseModel),
  };
  return h;
}
