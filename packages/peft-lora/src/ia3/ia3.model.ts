import { type Module, Rng } from '@tunekit/core';
import { wrapModulesToSave } from '../peft/modules-to-save.js';
import { replaceModuleAt } from '../peft/module-paths.js';
import { restoreBaseLayers } from '../peft/restore-base-layers.js';
import { TunerModel } from '../peft/tuner.model.js';
import type { Ia3Config } from './ia3.config.js';
import { Ia3Layer } from './ia3.layer.js';
import { type Ia3Base, findIa3Targets, isFeedforward, resolveIa3Config } from './ia3.targets.js';

const WHERE = 'ia3';

export type AdaptableModel = Module & { config?: { modelType?: string } };

/**
 * The model transform of (IA)³ (peft.tuners.ia3.IA3Model): wraps each target in an `Ia3Layer`,
 * freezes everything but the vectors (and modules_to_save copies), merges and unloads.
 */
export class Ia3Model extends TunerModel<Ia3Layer> {
  /** The adapter's config with the architecture's defaults filled in, as it is saved. */
  readonly config: Ia3Config;

  private constructor(
    model: AdaptableModel,
    config: Ia3Config,
    readonly adapterName: string,
    seed: number,
  ) {
    super(model);
    const resolved = resolveIa3Config(config, model.config?.modelType);
    const rng = new Rng(seed);
    let conv1d = false;
    for (const target of findIa3Targets(model, resolved)) {
      const layer = new Ia3Layer(model.getModule(target) as Ia3Base, isFeedforward(target, resolved.feedforward_modules!));
      replaceModuleAt(model, target, layer, WHERE);
      layer.addAdapter(adapterName, { init: resolved.init_ia3_weights, rng });
      conv1d ||= layer.fanInFanOut;
    }
    for (const target of resolved.modules_to_save ?? []) wrapModulesToSave(model, target, adapterName, WHERE);
    // PEFT sets fan_in_fan_out from the layers it finds (Conv1D: true, Linear: false), and saves that.
    this.config = { ...resolved, fan_in_fan_out: conv1d };
    model.nameParameters();
    model.freeze();
    model.unfreeze((n) => isIa3Param(n, adapterName));
  }

  /** Wraps `model` in place (PEFT's get_peft_model with an IA3Config). */
  static inject(model: AdaptableModel, config: Ia3Config, opts: { adapterName?: string; seed?: number } = {}): Ia3Model {
    return new Ia3Model(model, config, opts.adapterName ?? 'default', opts.seed ?? 0);
  }

  protected isLayer(m: Module): m is Ia3Layer {
    return m instanceof Ia3Layer;
  }

  /** Folds the vectors into the base weights (all or nothing: a layer that cannot take them fails first). */
  merge(): void {
    const layers = this.layers();
    for (const [name, layer] of layers) {
      if (!layer.canMerge()) throw new Error(`ia3: cannot merge into "${name}": its ${layer.base_layer.constructor.name} has no weight that can be written (dequantize to a 16/32-bit model first)`);
    }
    for (const [, layer] of layers) layer.merge();
  }

  unmerge(): void {
    for (const [, layer] of this.layers()) layer.unmerge();
  }

  /** Puts the original layers back as they are now (merged or not); the vectors are dropped. */
  unload(): Module {
    return restoreBaseLayers(this.model, this.layers(), WHERE);
  }

}

/** Whether a parameter belongs to adapter `name`: its (IA)³ vectors and modules_to_save copies. */
export function isIa3Param(paramName: string, name: string): boolean {
  return paramName.endsWith(`.ia3_l.${name}`) || paramName.includes(`.modules_to_save.${name}.`);
}
