import { type QuantizeModelOptions, quantizeModel } from '@tunekit/qlora';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import type { DependencyContainer } from 'tsyringe';

/** QLoRA's base: NF4 codes in blocks of 64 with double-quantized absmax (bitsandbytes' defaults as QLoRA trains). */
export const NF4_BASE: QuantizeModelOptions = { quantType: 'nf4', doubleQuant: true, blocksize: 64 };

/** `method` applied after the model's Linears are replaced by 4-bit ones; loading a saved adapter stays as it was. */
export function onNf4Base<C>(method: PeftMethod<C>): PeftMethod<C> {
  return {
    name: method.name,
    parseConfig: (raw) => method.parseConfig(raw),
    apply: (model, config, opts) => {
      quantizeModel(model, NF4_BASE);
      return method.apply(model, config, opts);
    },
    load: (model, dir, opts) => method.load(model, dir, opts),
    recognises: (config) => method.recognises(config),
  };
}

/**
 * A `plugins:` entry that trains every registered method on an NF4 base, so `method: lora` is
 * QLoRA through the real `tunekit train` (the QLoRA accuracy spec and `bench:methods` use it). The
 * wrapped methods keep their names: a later registration of a name wins, so they replace the
 * built-in ones rather than joining them.
 */
export function register(container: DependencyContainer): void {
  for (const method of container.resolveAll(PEFT_METHOD)) container.register(PEFT_METHOD, { useValue: onNf4Base(method) });
}
