import { type Module, Rng } from '@tunekit/core';
import { replaceModuleAt } from '../peft/module-paths.js';
import { TunerModel } from '../peft/tuner.model.js';
import { type BottleneckConfig, bottleneckWidth } from './adapter.config.js';
import { BottleneckLayer } from './adapter.layer.js';
import { type AdapterTarget, findAdapterTargets } from './adapter.targets.js';

const WHERE = 'adapter';

export type AdaptableModel = Module & { config?: { modelType?: string; hidden?: number } };

/**
 * The model transform of bottleneck adapters: wraps the attention and/or MLP sublayer of each
 * block in a `BottleneckLayer` and freezes everything else. Adapters are non-linear, so unlike
 * LoRA and (IA)³ they cannot be merged into the base weights.
 */
export class BottleneckModel extends TunerModel<BottleneckLayer> {
  readonly targets: readonly AdapterTarget[];
  readonly width: number;
  readonly hidden: number;

  private constructor(
    model: AdaptableModel,
    readonly config: BottleneckConfig,
    readonly adapterName: string,
    seed: number,
  ) {
    super(model);
    const hidden = model.config?.hidden;
    if (!Number.isInteger(hidden)) throw new Error('adapter: the model has no config.hidden (hidden size) to size the adapters by');
    this.hidden = hidden!;
    this.width = bottleneckWidth(config, this.hidden);
    this.targets = findAdapterTargets(model, config);
    const rng = new Rng(seed);
    for (const target of this.targets) {
      const layer = new BottleneckLayer(model.getModule(target.path)!);
      replaceModuleAt(model, target.path, layer, WHERE);
      layer.addAdapter(adapterName, { hidden: this.hidden, width: this.width, nonLinearity: config.non_linearity, layerNorm: config.layer_norm, residual: config.residual, rng });
    }
    model.nameParameters();
    model.freeze();
    model.unfreeze((n) => isBottleneckParam(n, adapterName));
  }

  /** Wraps `model` in place with one adapter. */
  static inject(model: AdaptableModel, config: BottleneckConfig, opts: { adapterName?: string; seed?: number } = {}): BottleneckModel {
    return new BottleneckModel(model, config, opts.adapterName ?? 'default', opts.seed ?? 0);
  }

  protected isLayer(m: Module): m is BottleneckLayer {
    return m instanceof BottleneckLayer;
  }

  /** Puts the original sublayers back; the adapters are dropped. */
  unload(): Module {
    for (const [name, layer] of this.layers()) replaceModuleAt(this.model, name, layer.base_layer, WHERE);
    this.model.unfreeze();
    return this.model.nameParameters();
  }

  /** Refused: so `mergeAndUnload` is too. */
  merge(): never {
    throw new Error(
      'adapter: bottleneck adapters cannot be merged into the base weights (their activation is non-linear); load the adapter on top of the base model instead (tunekit generate/eval --adapter)',
    );
  }
}

/** The adapter's parts on each wrapped sublayer, as ModuleDicts keyed by adapter name. */
export const ADAPTER_PARTS = ['adapter_norm', 'adapter_down', 'adapter_up'] as const;

/** Whether a parameter belongs to adapter `name`. */
export function isBottleneckParam(paramName: string, name: string): boolean {
  return ADAPTER_PARTS.some((part) => paramName.includes(`.${part}.${name}.`));
}
