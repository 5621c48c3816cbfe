import type { HostTensor } from '../host-tensor.js';

/**
 * Ambient state while tracing: the module path (for error messages and node scopes) and the open
 * gradient-checkpoint segment. Tracing is synchronous, so a plain stack is enough.
 */
const scopeStack: string[] = [];
let segmentStack: number[] = [];
let nextSegment = 1;

export function currentScope(): string {
  return scopeStack.length ? scopeStack[scopeStack.length - 1] : '';
}

/** Runs `fn` with `name` appended to the module path (`model.layers.0` + `mlp` → `model.layers.0.mlp`). */
export function withScope<T>(name: string, fn: () => T, absolute = false): T {
  const parent = currentScope();
  scopeStack.push(absolute || !parent ? name : name ? `${parent}.${name}` : parent);
  try {
    return fn();
  } finally {
    scopeStack.pop();
  }
}

export function currentSegment(): number | null {
  return segmentStack.length ? segmentStack[segmentStack.length - 1] : null;
}

/**
 * Marks every node traced inside `fn` as one checkpoint segment: the backward pass recomputes
 * these nodes from the segment's inputs instead of keeping them alive (see autodiff/checkpoint.ts).
 */
export function checkpointSegment<T>(fn: () => T): T {
  segmentStack.push(nextSegment++);
  try {
    return fn();
  } finally {
    segmentStack.pop();
  }
}

/** Runs `fn` outside any checkpoint segment (used when the backward pass itself is traced). */
export function withoutSegments<T>(fn: () => T): T {
  const saved = segmentStack;
  segmentStack = [];
  try {
    return fn();
  } finally {
    segmentStack = saved;
  }
}

/**
 * Run-time values produced while tracing (dropout masks): fed as named inputs rather than embedded
 * as constants, so a new mask each step does not change the graph's signature or force a recompile.
 */
const tracedFeeds = new Map<string, HostTensor>();

export function addTracedFeed(prefix: string, value: HostTensor): string {
  const name = `${prefix}#${tracedFeeds.size}`;
  tracedFeeds.set(name, value);
  return name;
}

/** Returns and forgets the feeds recorded since the last call; pass them to `Program.run`. */
export function takeTracedFeeds(): Record<string, HostTensor> {
  const out = Object.fromEntries(tracedFeeds);
  tracedFeeds.clear();
  return out;
}
