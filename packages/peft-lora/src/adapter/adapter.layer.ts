import { type ActivationFn, LayerNorm, Linear, Module, type Rng, Tensor, activation, init } from '@tunekit/core';
import { ModuleDict } from '../peft/module-dict.js';
import type { AdapterNonLinearity } from './adapter.config.js';

export interface BottleneckSpec {
  hidden: number;
  width: number;
  nonLinearity: AdapterNonLinearity;
  layerNorm: boolean;
  residual: boolean;
  rng: Rng;
}

/**
 * How a sublayer's output carries its hidden states: a tensor (an MLP), or an object whose `out`
 * is one (attention, which also returns its KV cache). The adapter rewrites only those states.
 */
const OUTPUT_FORMS: readonly { matches: (o: unknown) => boolean; map: (o: unknown, f: (h: Tensor) => Tensor) => unknown }[] = [
  { matches: (o) => o instanceof Tensor, map: (o, f) => f(o as Tensor) },
  { matches: (o) => typeof o === 'object' && o !== null && (o as { out?: unknown }).out instanceof Tensor, map: (o, f) => ({ ...(o as object), out: f((o as { out: Tensor }).out) }) },
];

interface Adapter {
  readonly act: ActivationFn;
  readonly residual: boolean;
}

/**
 * A sublayer (attention or MLP) followed by a bottleneck adapter (Houlsby et al. 2019):
 * out = h + up(act(down(norm(h)))) on the sublayer's output h. The sublayer is kept as
 * `base_layer`; each adapter's parts are `adapter_down.<name>`, `adapter_up.<name>` and, with
 * layer_norm, `adapter_norm.<name>`. The up projection starts at zero, so a new adapter (with the
 * residual) leaves the model's function unchanged.
 */
export class BottleneckLayer extends Module {
  readonly base_layer: Module;
  readonly adapter_norm = this.module('adapter_norm', new ModuleDict<LayerNorm>());
  readonly adapter_down = this.module('adapter_down', new ModuleDict<Linear>());
  readonly adapter_up = this.module('adapter_up', new ModuleDict<Linear>());
  private readonly adapters = new Map<string, Adapter>();
  activeAdapter: string | null = null;
  disabled = false;

  constructor(base: Module) {
    super();
    this.base_layer = this.module('base_layer', base);
  }

  addAdapter(name: string, spec: BottleneckSpec): void {
    if (this.adapters.has(name)) throw new Error(`bottleneck adapter "${name}" already exists on this layer`);
    if (spec.layerNorm) this.adapter_norm.set(name, new LayerNorm(spec.hidden, 1e-5));
    // Down: Linear's kaiming-uniform weight and a zero bias; up: all zeros (the adapter starts as the identity).
    const down = this.adapter_down.set(name, new Linear(spec.hidden, spec.width, { rng: spec.rng }));
    down.bias!.assign(init.fill(down.bias!.shape, 0));
    const up = this.adapter_up.set(name, new Linear(spec.width, spec.hidden, { rng: spec.rng }));
    for (const p of up.parameters()) p.assign(init.fill(p.shape, 0));
    this.adapters.set(name, { act: activation(spec.nonLinearity), residual: spec.residual });
    this.activeAdapter ??= name;
  }

  /** The adapter's output for hidden states h: [.., hidden] → [.., hidden]. */
  adapt(name: string, h: Tensor): Tensor {
    const adapter = this.adapters.get(name)!;
    const norm = this.adapter_norm.get(name);
    const x = norm ? norm.call(h) : h;
    const y = this.adapter_up.get(name)!.call(adapter.act(this.adapter_down.get(name)!.call(x)));
    return adapter.residual ? h.add(y) : y;
  }

  forward(...args: never[]): unknown {
    const out = (this.base_layer.call as (...a: unknown[]) => unknown).apply(this.base_layer, args);
    const name = this.activeAdapter;
    if (this.disabled || name === null) return out;
    const form = OUTPUT_FORMS.find((f) => f.matches(out));
    if (!form) throw new Error(`bottleneck adapter: ${this.base_layer.constructor.name} returned neither hidden states nor { out: hidden states }`);
    return form.map(out, (h) => this.adapt(name, h));
  }
}
