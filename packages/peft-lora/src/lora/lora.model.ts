import { type Executor, type Module, Rng } from '@tunekit/core';
import { type LoraConfig, loraScaling } from './lora.config.js';
import { type LoraBase, LoraLayer } from './lora.layer.js';
import { findTargets } from './lora.targets.js';
import { variantFor } from './lora.variants.js';
import { modulesToSaveIn, wrapModulesToSave } from '../peft/modules-to-save.js';
import { replaceModuleAt } from '../peft/module-paths.js';
import { restoreBaseLayers } from '../peft/restore-base-layers.js';
import { parameterCounts } from '../peft/parameter-count.js';
import { TunerModel } from '../peft/tuner.model.js';

const WHERE = 'lora';

/** The longest pattern key of rank_pattern / alpha_pattern that matches a module, as PEFT resolves them. */
function patternValue(patterns: Record<string, number>, name: string, fallback: number): number {
  const hit = Object.keys(patterns)
    .filter((p) => new RegExp(`(^|\\.)${p}$`).test(name))
    .sort((a, b) => b.length - a.length)[0];
  return hit === undefined ? fallback : patterns[hit];
}

/**
 * The model transform of the LoRA method (peft.tuners.lora.LoraModel): injects `LoraLayer`s in
 * place of the target layers, freezes the rest, and manages named adapters, merging and unloading.
 */
export class LoraModel extends TunerModel<LoraLayer> {
  readonly configs = new Map<string, LoraConfig>();
  private activeName: string;

  private constructor(
    model: Module & { config?: { modelType?: string } },
    config: LoraConfig,
    adapterName: string,
    seed: number,
  ) {
    super(model);
    this.activeName = adapterName;
    this.addAdapter(adapterName, config, seed);
  }

  /** Wraps `model` in place with one adapter and returns the handle (PEFT's get_peft_model). */
  static inject(model: Module & { config?: { modelType?: string } }, config: LoraConfig, opts: { adapterName?: string; seed?: number } = {}): LoraModel {
    return new LoraModel(model, config, opts.adapterName ?? 'default', opts.seed ?? 0);
  }

  protected isLayer(m: Module): m is LoraLayer {
    return m instanceof LoraLayer;
  }

  get activeAdapter(): string {
    return this.activeName;
  }

  addAdapter(name: string, config: LoraConfig, seed = 0): void {
    if (this.configs.has(name)) throw new Error(`lora: adapter "${name}" already exists`);
    const targets = findTargets(this.model, config, this.model.config?.modelType);
    const rng = new Rng(seed);
    for (const target of targets) {
      let layer = this.model.getModule(target);
      if (!(layer instanceof LoraLayer)) {
        layer = new LoraLayer(layer as LoraBase);
        replaceModuleAt(this.model, target, layer, WHERE);
      }
      const r = patternValue(config.rank_pattern, target, config.r);
      const alpha = patternValue(config.alpha_pattern, target, config.lora_alpha);
      (layer as LoraLayer).addAdapter(name, {
        r,
        alpha,
        scaling: loraScaling(config, r, alpha),
        dropout: config.lora_dropout,
        init: config.init_lora_weights,
        variant: variantFor(config.use_dora),
        rng,
      });
    }
    for (const target of config.modules_to_save ?? []) wrapModulesToSave(this.model, target, name, WHERE);
    this.configs.set(name, config);
    // Paths changed (base_layer, lora_A.<name>): optimizer state and checkpoints key parameters by name.
    this.model.nameParameters();
    this.setAdapter(this.activeName);
  }

  /** Makes `name` the adapter that runs and trains; every other parameter is frozen (bias rules apply). */
  setAdapter(name: string): void {
    const config = this.configs.get(name);
    if (!config) throw new Error(`lora: no adapter "${name}" (have ${[...this.configs.keys()].join(', ')})`);
    this.activeName = name;
    for (const [, layer] of this.layers()) layer.activeAdapters = layer.adapters.has(name) ? [name] : [];
    for (const [, m] of modulesToSaveIn(this.model)) m.setActive(name);
    this.model.freeze();
    this.model.unfreeze((n) => isAdapterParam(n, name));
    if (config.bias === 'all') this.model.unfreeze((n) => n.endsWith('.bias'));
    if (config.bias === 'lora_only') this.model.unfreeze((n) => n.endsWith('base_layer.bias'));
  }

  merge(adapterNames: string[] = [this.activeName]): void {
    for (const [, layer] of this.layers()) layer.merge(adapterNames.filter((n) => layer.adapters.has(n)));
  }

  unmerge(): void {
    for (const [, layer] of this.layers()) layer.unmerge();
  }

  /**
   * Runs `fn` (inference only: sampling rollouts, as TRL syncs merged weights into vLLM) with the
   * active adapter folded into the base weights, so each forward is one matmul per layer instead of
   * three; the very base weight arrays it started from are back afterwards, whatever `fn` did. The
   * merged weights are computed by `executor` in one program (a host loop over a 135M model's
   * weights took seconds). Layers that cannot merge exactly stay unmerged (`canMergeForInference`).
   */
  async withMerged<T>(executor: Executor, fn: () => Promise<T>): Promise<T> {
    const layers = this.layers()
      .map(([, layer]) => layer)
      .filter((layer) => layer.canMergeForInference());
    const restores: (() => void)[] = [];
    try {
      if (layers.length) {
        const merged = await executor.compile(layers.map((layer) => layer.mergedWeight())).run({});
        layers.forEach((layer, i) => restores.push(layer.useMergedWeight(merged[i])));
      }
      return await fn();
    } finally {
      for (const restore of restores) restore();
    }
  }

  /** Puts the original layers back without merging (the adapters are dropped). */
  unload(): Module {
    return restoreBaseLayers(this.model, this.layers(), WHERE);
  }

  /** (trainable, all) parameter counts as PEFT counts them. */
  parameterCounts(): { trainable: number; all: number } {
    return parameterCounts(this.model);
  }

  printTrainableParameters(log: (line: string) => void = console.log): void {
    log(this.trainableParametersLine());
  }
}

/** Whether a parameter belongs to adapter `name` (LoRA matrices, DoRA magnitudes, modules_to_save copies). */
export function isAdapterParam(paramName: string, name: string): boolean {
  return (
    paramName.includes(`.lora_A.${name}.`) ||
    paramName.includes(`.lora_B.${name}.`) ||
    paramName.includes(`.lora_magnitude_vector.${name}.`) ||
    paramName.includes(`.modules_to_save.${name}.`)
  );
}
