import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigFieldError, type FieldTable, LayerNorm, type Module, checkFields, checksOf, defaultsOf, optionLine, rule, withDefaults, RMSNorm, SafetensorsFile, readJsonObject, writeJsonFile, writeSafetensors } from '@tunekit/core';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, AdapterCheckpointer, type AdapterHandle, type PeftMethod, trainableParametersLine } from '@tunekit/peft-lora';
import { ScaledNorm } from './norm-scale.layer.js';

export const NORM_SCALE = 'norm_scale';
const PEFT_TYPE = 'NORM_SCALE';

export interface NormScaleConfig {
  /** Norms whose module path contains one of these (default: every norm of the model). */
  readonly targets: readonly string[];
}

const FIELDS: FieldTable<NormScaleConfig> = {
  targets: { check: rule((v) => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string' && t), 'a non-empty list of module name parts'), default: ['norm'] },
};

/** Validates the `norm_scale:` section with the core config kit: unknown keys and wrong types carry their key path. */
export function parseNormScaleConfig(raw: Record<string, unknown>): NormScaleConfig {
  const { problems } = checkFields(raw, checksOf(FIELDS));
  if (problems.length) throw new ConfigFieldError('norm_scale config', problems, problems.map((p) => optionLine('norm_scale config', p)).join('\n'));
  return withDefaults(defaultsOf(FIELDS), raw);
}

/** Wraps every targeted norm in a ScaledNorm; only the scales train. Returns the wrapped norms by path. */
function inject(model: Module, config: NormScaleConfig): Map<string, ScaledNorm> {
  const norms = [...model.namedModules()].filter(([path, m]) => (m instanceof RMSNorm || m instanceof LayerNorm) && config.targets.some((t) => path.includes(t)));
  if (norms.length === 0) throw new Error(`norm_scale: no norm matches targets ${JSON.stringify(config.targets)}`);
  model.freeze();
  const wrapped = new Map<string, ScaledNorm>();
  for (const [path, norm] of norms) {
    const scaled = new ScaledNorm(norm as RMSNorm | LayerNorm);
    const dot = path.lastIndexOf('.');
    (dot < 0 ? model : model.getModule(path.slice(0, dot))!).replaceModule(path.slice(dot + 1), scaled);
    wrapped.set(path, scaled);
  }
  return wrapped;
}

function handle(model: Module, config: NormScaleConfig, wrapped: Map<string, ScaledNorm>): AdapterHandle {
  const h: AdapterHandle = {
    method: NORM_SCALE,
    model,
    trainableParameters: () => model.trainableParameters(),
    trainableParametersLine: () => trainableParametersLine(model),
    // The adapter format: adapter_config.json and the scales under their parameter names.
    save: async (dir, opts) => {
      await mkdir(dir, { recursive: true });
      const scales = new Map(model.namedParameters().filter(([name]) => name.endsWith('.norm_scale')).map(([name, p]) => [name, p.value]));
      await writeSafetensors(join(dir, ADAPTER_WEIGHTS), scales, { format: 'pt' });
      const file = { peft_type: PEFT_TYPE, targets: config.targets, base_model_name_or_path: opts?.baseModel ?? null };
      await writeJsonFile(join(dir, ADAPTER_CONFIG), file);
    },
    mergeAndUnload: () => {
      for (const [path, scaled] of wrapped) {
        const dot = path.lastIndexOf('.');
        (dot < 0 ? model : model.getModule(path.slice(0, dot))!).replaceModule(path.slice(dot + 1), scaled.merge());
      }
      wrapped.clear();
      return model;
    },
    disableAdapter: (fn) => {
      for (const s of wrapped.values()) s.disabled = true;
      try {
        return fn();
      } finally {
        for (const s of wrapped.values()) s.disabled = false;
      }
    },
    // The adapter file holds every trainable parameter under its own name: checkpoints are that file.
    checkpointer: (opts) => new AdapterCheckpointer(h, (name) => name, opts?.baseModel),
  };
  return h;
}

/** A small PEFT-style method from outside the core packages: a learned scale on each norm's output. */
export const NORM_SCALE_METHOD: PeftMethod<NormScaleConfig> = {
  name: NORM_SCALE,
  parseConfig: parseNormScaleConfig,
  apply: (model, config) => handle(model, config, inject(model, config)),
  load: async (model, dir, opts) => {
    const saved = await readJsonObject(join(dir, ADAPTER_CONFIG));
    const config = parseNormScaleConfig({ targets: saved.targets });
    const h = handle(model, config, inject(model, config));
    model.nameParameters();
    const file = await SafetensorsFile.open(join(dir, ADAPTER_WEIGHTS));
    try {
      for (const [name, p] of model.namedParameters()) {
        if (!name.endsWith('.norm_scale')) continue;
        if (!file.has(name)) throw new Error(`${join(dir, ADAPTER_WEIGHTS)}: no tensor '${name}'`);
        const value = await file.read(name, { into: p.dtype });
        if (value.shape.join() !== p.shape.join()) throw new Error(`${join(dir, ADAPTER_WEIGHTS)}: '${name}' has shape [${value.shape.join(', ')}], the model has [${p.shape.join(', ')}]`);
        p.assign(value);
        p.requiresGrad = opts?.trainable ?? false;
      }
    } finally {
      await file.close();
    }
    return h;
  },
  recognises: (c) => c.peft_type === PEFT_TYPE,
};
