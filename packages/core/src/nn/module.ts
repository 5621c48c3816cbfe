import { HostTensor } from '../host-tensor.js';
import { withScope } from '../ir/trace-context.js';
import { Tensor } from '../tensor/tensor.js';
import { Parameter } from '../ir/parameter.js';

/**
 * Base of every layer and model. Children and parameters are registered under their Hugging Face
 * names, so `namedParameters()` and `stateDict()` give checkpoint keys with no translation, and
 * tracing runs inside the module's path (errors name `model.layers.3.mlp.up_proj`).
 */
export abstract class Module {
  training = true;
  private readonly params = new Map<string, Parameter>();
  private readonly children = new Map<string, Module>();
  /** Name under the parent; a root module has ''. */
  private localName = '';

  abstract forward(...args: never[]): unknown;

  /** Runs `forward` inside this module's scope. Use this, not `forward`, from parent modules. */
  call<M extends Module>(this: M, ...args: Parameters<M['forward']>): ReturnType<M['forward']> {
    return withScope(this.localName, () => {
      return (this.forward as (...a: unknown[]) => unknown)(...args) as ReturnType<M['forward']>;
    });
  }

  protected param(name: string, p: Parameter): Parameter {
    this.params.set(name, p);
    return p;
  }

  protected module<M extends Module>(name: string, m: M): M {
    m.localName = name;
    this.children.set(name, m);
    return m;
  }

  /** Replaces a child (used by method plugins such as LoRA to wrap a target layer). */
  replaceModule(name: string, m: Module): void {
    if (!this.children.has(name)) throw new Error(`no submodule "${name}" to replace`);
    m.localName = name;
    this.children.set(name, m);
    (this as unknown as Record<string, unknown>)[name] = m;
  }

  /** A parameter as a traced tensor (weights stored in f16/bf16 are widened to f32 for compute). */
  protected t(p: Parameter): Tensor {
    return Tensor.param(p).float();
  }

  getModule(path: string): Module | undefined {
    let m: Module | undefined = this;
    for (const part of path ? path.split('.') : []) m = m?.children.get(part);
    return m;
  }

  *namedModules(prefix = ''): Generator<[string, Module]> {
    yield [prefix, this];
    for (const [name, child] of this.children) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  /** Every parameter once (a tied weight is listed under its first name), as PyTorch does. */
  namedParameters(): [string, Parameter][] {
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of m.params) {
        if (seen.has(p)) continue;
        seen.add(p);
        out.push([path ? `${path}.${name}` : name, p]);
      }
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.requiresGrad);
  }

  /** Every key under which a tensor is stored, tied weights under each of their names. */
  stateDict(): Map<string, HostTensor> {
    const out = new Map<string, HostTensor>();
    for (const [path, m] of this.namedModules()) {
      for (const [name, p] of m.params) out.set(path ? `${path}.${name}` : name, p.value);
    }
    return out;
  }

  /** Loads values by name. With `strict`, missing and unexpected keys are errors listing them. */
  loadStateDict(state: Map<string, HostTensor>, opts: { strict?: boolean } = {}): { missing: string[]; unexpected: string[] } {
    const own = new Map<string, Parameter>();
    for (const [path, m] of this.namedModules()) for (const [name, p] of m.params) own.set(path ? `${path}.${name}` : name, p);
    const missing = [...own.keys()].filter((k) => !state.has(k));
    const unexpected = [...state.keys()].filter((k) => !own.has(k));
    if (opts.strict && (missing.length || unexpected.length)) {
      throw new Error(`loadStateDict: missing keys [${missing.join(', ')}], unexpected keys [${unexpected.join(', ')}]`);
    }
    for (const [k, v] of state) own.get(k)?.assign(v);
    return { missing, unexpected };
  }

  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops gradients for every parameter (all of them, or those whose name matches). */
  freeze(match?: (name: string) => boolean): this {
    for (const [n, p] of this.namedParameters()) if (!match || match(n)) p.requiresGrad = false;
    return this;
  }

  unfreeze(match?: (name: string) => boolean): this {
    for (const [n, p] of this.namedParameters()) if (!match || match(n)) p.requiresGrad = true;
    return this;
  }

  /**
   * A copy of this module tree with its own parameters (values copied, tied weights kept tied
   * within the copy). Fields that pointed at children or parameters point at their copies.
   */
  clone(memo = new Map<object, object>()): this {
    const known = memo.get(this);
    if (known) return known as this;
    const copy = Object.create(Object.getPrototypeOf(this)) as this;
    memo.set(this, copy);
    const remap = (v: unknown): unknown => {
      if (v instanceof Module) return v.clone(memo);
      if (v instanceof Parameter) {
        let q = memo.get(v) as Parameter | undefined;
        if (!q) {
          q = new Parameter(new HostTensor(v.dtype, v.shape, v.value.data.slice()), v.requiresGrad);
          q.name = v.name;
          memo.set(v, q);
        }
        return q;
      }
      if (Array.isArray(v) && v.some((x) => x instanceof Module || x instanceof Parameter)) return v.map(remap);
      return v;
    };
    for (const [key, value] of Object.entries(this)) (copy as Record<string, unknown>)[key] = remap(value);
    const self = copy as unknown as { params: Map<string, Parameter>; children: Map<string, Module> };
    self.params = new Map([...this.params].map(([n, p]) => [n, remap(p) as Parameter]));
    self.children = new Map([...this.children].map(([n, m]) => [n, m.clone(memo)]));
    return copy;
  }

  /** Names parameters after their paths (done once the tree is built; names show in errors and checkpoints). */
  nameParameters(): this {
    for (const [name, p] of this.namedParameters()) p.name = name;
    return this;
  }
}
