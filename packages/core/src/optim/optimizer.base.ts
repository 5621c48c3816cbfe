import { Parameter } from '../ir/parameter.js';
import { MasterCopy, isHalf } from './master-weights.js';
import type {
  BaseHyperParams,
  HyperValue,
  Optimizer,
  OptimizerMeta,
  OptimizerParams,
  OptimizerState,
  ParamGroup,
  ResolvedParamGroup,
} from './optimizer.interface.js';

/** One parameter's optimizer state as it enters and leaves a checkpoint. */
export interface ParamStateRecord {
  scalars: Record<string, number>;
  buffers: Record<string, Float32Array>;
}

/** Reserved buffer name for the f32 master copy of half-precision parameters. */
const MASTER_BUFFER = 'master';

const paramLabel = (p: Parameter): string => p.name || `#${p.id}`;

/**
 * Returns `base` with the keys of `overrides` that are set. Unknown keys throw so that a snake_case
 * `weight_decay` copied from a Python config can't be silently ignored.
 */
export function mergeHyper<H extends BaseHyperParams>(base: H, overrides: object, what: string): H {
  const merged = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined || key === 'params') continue;
    if (!(key in base)) throw new Error(`${what}: unknown option '${key}' (expected one of ${Object.keys(base).join(', ')})`);
    (merged as Record<string, unknown>)[key] = value;
  }
  return merged;
}

/**
 * Shared machinery of the optimizers: param groups, lr scaling, lazy per-parameter state, f32 master weights of
 * half-precision parameters, and checkpointing. Subclasses implement the per-parameter update.
 *
 * Numerics: each update loop computes in f64 (JS numbers) and stores every state value (moments, weights) to f32 in
 * the same order as PyTorch's single-tensor kernels, so results agree with torch's f32 CPU math to within rounding of
 * the intermediate expressions (about 1 ulp) and are bit-for-bit deterministic across runs.
 */
export abstract class BaseOptimizer<H extends BaseHyperParams, S> implements Optimizer<H> {
  readonly defaults: Readonly<H>;
  readonly paramGroups: ResolvedParamGroup<H>[];
  private readonly states = new Map<Parameter, S>();
  private readonly masters = new Map<Parameter, MasterCopy>();
  private steps = 0;

  protected constructor(
    readonly kind: string,
    params: OptimizerParams<H>,
    defaults: H,
  ) {
    this.validateHyper(defaults, `${kind} defaults`);
    this.defaults = Object.freeze({ ...defaults });
    this.paramGroups = toGroups(params, kind).map((g, i) => this.resolveGroup(g, i));
    if (this.paramGroups.every((g) => g.params.length === 0)) throw new Error(`${kind}: optimizer got an empty parameter list`);
    const seen = new Set<Parameter>();
    for (const p of this.paramGroups.flatMap((g) => g.params)) {
      if (seen.has(p)) throw new Error(`${kind}: parameter ${paramLabel(p)} appears in more than one parameter group`);
      if (p.dtype !== 'f32' && !isHalf(p.dtype)) throw new Error(`${kind}: cannot optimize ${p.dtype} parameter ${paramLabel(p)}`);
      seen.add(p);
    }
  }

  /** Throws when a hyper-parameter is out of range (PyTorch raises ValueError at construction). */
  protected abstract validateHyper(h: H, where: string): void;
  /** Fresh state for a parameter of `size` elements, created on its first step like torch's lazy `state[p]`. */
  protected abstract initState(size: number): S;
  /** Updates `weights` (f32, in place) from `grad`. Hot path: no allocation, no calls inside the element loop. */
  protected abstract update(weights: Float32Array, grad: Float32Array, group: ResolvedParamGroup<H>, state: S): void;
  /** The state's scalars and buffers (live references: the base class copies them). */
  protected abstract exportState(state: S): ParamStateRecord;
  /** Rebuilds state from a checkpoint record (already copied); must validate buffer lengths against `size`. */
  protected abstract importState(record: ParamStateRecord, size: number, name: string): S;

  get stepCount(): number {
    return this.steps;
  }

  get lr(): number {
    return this.paramGroups[0].lr;
  }

  set lr(lr: number) {
    this.setLr(lr);
  }

  setLr(lr: number): void {
    const base = this.paramGroups[0].initialLr;
    if (base === 0) throw new Error(`${this.kind}.setLr: the first group's initial lr is 0, use setLrMultiplier`);
    this.setLrMultiplier(lr / base);
    // initialLr * (lr / initialLr) can miss lr by an ulp; the value asked for should read back exactly.
    this.paramGroups[0].lr = lr;
  }

  setLrMultiplier(multiplier: number): void {
    for (const g of this.paramGroups) g.lr = g.initialLr * multiplier;
  }

  step(): void {
    for (const group of this.paramGroups) {
      for (const param of group.params) {
        const grad = param.grad;
        if (grad === null) continue;
        if (grad.length !== param.size) {
          throw new Error(`${this.kind}: grad of ${paramLabel(param)} has ${grad.length} elements, parameter has ${param.size}`);
        }
        let state = this.states.get(param);
        if (state === undefined) {
          state = this.initState(param.size);
          this.states.set(param, state);
        }
        const master = this.masterOf(param);
        this.update(master ? master.data : (param.value.data as Float32Array), grad, group, state);
        master?.writeBack(param);
      }
    }
    this.steps++;
  }

  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.zeroGrad();
  }

  stateDict(): OptimizerState {
    const names = this.paramNames();
    const meta: OptimizerMeta = {
      format: 'tunekit.optimizer/1',
      kind: this.kind,
      stepCount: this.steps,
      groups: this.paramGroups.map((g) => ({ paramNames: g.params.map((p) => names.get(p)!), hyper: hyperOf(g) })),
      scalars: {},
    };
    const buffers: OptimizerState['buffers'] = {};
    for (const [param, state] of this.states) {
      const name = names.get(param)!;
      const record = this.exportState(state);
      meta.scalars[name] = { ...record.scalars };
      buffers[name] = Object.fromEntries(Object.entries(record.buffers).map(([k, b]) => [k, b.slice()]));
      const master = this.masters.get(param);
      if (master) buffers[name][MASTER_BUFFER] = master.data.slice();
    }
    return { meta, buffers };
  }

  /** Restores hyper-parameters, step counters, moments and master weights; validates everything before mutating. */
  loadStateDict(state: OptimizerState): void {
    const { meta, buffers } = state;
    if (meta.format !== 'tunekit.optimizer/1') throw new Error(`${this.kind}.loadStateDict: unknown format '${meta.format}'`);
    if (meta.kind !== this.kind) throw new Error(`${this.kind}.loadStateDict: checkpoint is for '${meta.kind}'`);
    if (!Number.isInteger(meta.stepCount) || meta.stepCount < 0) throw new Error(`${this.kind}.loadStateDict: invalid stepCount ${meta.stepCount}`);
    if (meta.groups.length !== this.paramGroups.length) {
      throw new Error(`${this.kind}.loadStateDict: checkpoint has ${meta.groups.length} param groups, optimizer has ${this.paramGroups.length}`);
    }
    const names = this.paramNames();
    const hypers = this.paramGroups.map((group, i) => {
      const saved = meta.groups[i];
      const current = group.params.map((p) => names.get(p)!);
      const savedSet = new Set(saved.paramNames);
      if (saved.paramNames.length !== current.length || current.some((n) => !savedSet.has(n))) {
        throw new Error(`${this.kind}.loadStateDict: param group ${i} holds different parameters than the checkpoint`);
      }
      return this.readHyper(group, saved.hyper, i);
    });

    const states = new Map<Parameter, S>();
    const masters = new Map<Parameter, MasterCopy>();
    for (const param of this.paramGroups.flatMap((g) => g.params)) {
      const name = names.get(param)!;
      const scalars = meta.scalars[name];
      const saved = buffers[name];
      if (scalars === undefined && saved === undefined) continue;
      const copied: Record<string, Float32Array> = {};
      for (const [key, buf] of Object.entries(saved ?? {})) {
        if (!(buf instanceof Float32Array) || buf.length !== param.size) {
          throw new Error(`${this.kind}.loadStateDict: buffer ${name}/${key} must be a Float32Array of ${param.size} elements`);
        }
        copied[key] = buf.slice();
      }
      const master = copied[MASTER_BUFFER];
      delete copied[MASTER_BUFFER];
      states.set(param, this.importState({ scalars: { ...scalars }, buffers: copied }, param.size, name));
      // A master saved for a param that is now f32 is moot: its weights are already exact.
      if (master && isHalf(param.dtype)) masters.set(param, MasterCopy.restore(param, master));
    }

    this.paramGroups.forEach((g, i) => Object.assign(g, hypers[i]));
    this.states.clear();
    this.masters.clear();
    for (const [p, s] of states) this.states.set(p, s);
    for (const [p, m] of masters) this.masters.set(p, m);
    this.steps = meta.stepCount;
  }

  /** The f32 master copy for half-precision params (created or re-synced), null for f32 params updated in place. */
  private masterOf(param: Parameter): MasterCopy | null {
    if (param.dtype === 'f32') {
      this.masters.delete(param);
      return null;
    }
    let master = this.masters.get(param);
    if (master === undefined || master.dtype !== param.dtype) {
      master = MasterCopy.fromParameter(param);
      this.masters.set(param, master);
    } else {
      master.sync(param);
    }
    return master;
  }

  private resolveGroup(input: ParamGroup<H>, index: number): ResolvedParamGroup<H> {
    const where = `${this.kind} param group ${index}`;
    const hyper = mergeHyper(this.defaults as H, input, where);
    this.validateHyper(hyper, where);
    return { ...hyper, params: [...input.params], initialLr: hyper.lr };
  }

  /** Reads a saved group's hyper-parameters, type-checked against the defaults. */
  private readHyper(group: ResolvedParamGroup<H>, saved: Record<string, HyperValue>, index: number): H & { initialLr: number } {
    const where = `${this.kind}.loadStateDict: param group ${index}`;
    const out: Record<string, unknown> = { ...hyperOf(group) };
    for (const [key, value] of Object.entries(saved)) {
      if (!(key in out)) throw new Error(`${where}: unknown hyper-parameter '${key}'`);
      if (!sameShape(out[key], value)) throw new Error(`${where}: hyper-parameter '${key}' has the wrong type`);
      out[key] = Array.isArray(value) ? [...value] : value;
    }
    const hyper = out as unknown as H & { initialLr: number };
    this.validateHyper(hyper, where);
    return hyper;
  }

  private paramNames(): Map<Parameter, string> {
    const names = new Map<Parameter, string>();
    const used = new Set<string>();
    for (const p of this.paramGroups.flatMap((g) => g.params)) {
      if (!p.name) throw new Error(`${this.kind}: parameter #${p.id} has no name; optimizer checkpoints are keyed by name`);
      if (used.has(p.name)) throw new Error(`${this.kind}: two parameters are named '${p.name}'`);
      used.add(p.name);
      names.set(p, p.name);
    }
    return names;
  }
}

function toGroups<H extends BaseHyperParams>(params: OptimizerParams<H>, kind: string): ParamGroup<H>[] {
  const items: (Parameter | ParamGroup<H>)[] = [...params];
  if (items.length === 0) throw new Error(`${kind}: optimizer got an empty parameter list`);
  if (items.every((x) => x instanceof Parameter)) return [{ params: items as Parameter[] } as ParamGroup<H>];
  if (items.some((x) => x instanceof Parameter)) throw new Error(`${kind}: pass either parameters or param groups, not both`);
  return items as ParamGroup<H>[];
}

function hyperOf<H extends BaseHyperParams>(group: ResolvedParamGroup<H>): Record<string, HyperValue> {
  const { params: _params, ...hyper } = group;
  return Object.fromEntries(Object.entries(hyper).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v])) as Record<string, HyperValue>;
}

function sameShape(expected: unknown, actual: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && actual.every((x) => typeof x === 'number');
  }
  return typeof actual === typeof expected;
}
