import { ShapeError, Tensor } from '@tunekit/core';
import type { ModelConfig } from '../config/model-config.js';
import { type MaskForWindow, attentionMasks } from './attention-mask.js';
import type { ForwardOptions, KvCache, KvEntry } from './causal-lm.interface.js';

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/** What every layer of one forward shares, computed once. */
export interface ForwardContext {
  readonly batch: number;
  /** Positions computed in this call: the tokens, after any virtual embeddings. */
  readonly t: number;
  /** Cached positions before them (a virtual key/value prefix counts). */
  readonly pastLength: number;
  /** [B|1, T] positions. */
  readonly positionIds: Tensor;
  /** Bool [B|1, 1, T|1, S] per sliding window (null for full attention), or null (causality only). */
  readonly mask: MaskForWindow;
  /** The cache entry of each layer, or undefined for all without a cache. */
  past(layer: number): KvEntry | undefined;
  /** The tokens' embeddings [B, T, H], with the virtual embeddings in front when this forward has them. */
  embed(tokens: Tensor): Tensor;
}

/** Positions P..P+T-1 as [1, T] i64 (transformers' default, from `cache_position`). */
function defaultPositionIds(t: number, pastLength: number): Tensor {
  return Tensor.fromValues([1, t], Array.from({ length: t }, (_, i) => pastLength + i), 'i64');
}

function checkPositionIds(positionIds: Tensor, b: number, t: number): Tensor {
  const ok = positionIds.rank === 2 && (positionIds.dim(0) === b || positionIds.dim(0) === 1) && positionIds.dim(1) === t;
  if (!ok) throw new ShapeError('position_ids', '', `expected [${b}, ${t}] or [1, ${t}], got ${fmt(positionIds.shape)}`);
  return positionIds;
}

function checkCachePosition(cachePosition: Tensor, t: number, virtual: number): Tensor {
  if (virtual) throw new ShapeError('cache_position', '', 'virtual tokens start a sequence, where the default cache positions apply');
  if (cachePosition.rank !== 1 || cachePosition.dim(0) !== t || cachePosition.dtype !== 'i64') {
    throw new ShapeError('cache_position', '', `expected [${t}] i64, got ${fmt(cachePosition.shape)} ${cachePosition.dtype}`);
  }
  return cachePosition;
}

function checkPast(past: KvCache, config: ModelConfig, what: string): KvCache {
  if (past.length !== config.layers) throw new ShapeError(what, '', `expected one cache entry per layer (${config.layers}), got ${past.length}`);
  return past;
}

/** [1|B, ...rest] → [B, ...rest], checking `rest` against what the model expects. */
function batched(x: Tensor, batch: number, rest: readonly (number | null)[], what: string, expected: string): Tensor {
  const ok = x.rank === rest.length + 1 && (x.dim(0) === 1 || x.dim(0) === batch) && rest.every((d, i) => d === null || x.dim(i + 1) === d);
  if (!ok) throw new ShapeError(what, '', `expected ${expected}, got ${fmt(x.shape)}`);
  return x.dim(0) === batch ? x : x.expand(batch, ...x.shape.slice(1));
}

/** The virtual tokens of this forward, checked against the model and repeated over the batch. */
function virtualParts(opts: ForwardOptions, batch: number, config: ModelConfig): { embeds: Tensor | null; prefix: KvCache | null } {
  const v = opts.virtualTokens;
  if (!v) return { embeds: null, prefix: null };
  if (opts.past) throw new ShapeError('virtual_tokens', '', 'virtual tokens start a sequence; with `past` the cache already holds them in its first slots');
  if (v.embeds) return { embeds: batched(v.embeds, batch, [null, config.hidden], 'virtual_tokens.embeds', `[1|${batch}, n, ${config.hidden}]`), prefix: null };
  const { kvHeads, headDim } = config;
  const n = v.kv[0]?.k.rank === 4 ? v.kv[0].k.dim(2) : null;
  const entry = (x: Tensor, which: string, layer: number) =>
    batched(x, batch, [kvHeads, n, headDim], `virtual_tokens.kv[${layer}].${which}`, `[1|${batch}, ${kvHeads}, n, ${headDim}] with the same n in every layer`);
  const prefix = checkPast(v.kv, config, 'virtual_tokens.kv').map((e, i) => ({ k: entry(e.k, 'k', i), v: entry(e.v, 'v', i) }));
  return { embeds: null, prefix };
}

/**
 * Position ids for the tokens after n virtual positions: given ones move up by n, and virtual
 * embeddings (which are queries too) take 0..n-1 in front of them. This is what PEFT gets from
 * transformers: PeftModelForCausalLM drops position_ids, so the model numbers positions from its
 * cache_position, 0..n+T-1 over prompt embeddings and past..past+T-1 after a prefix cache of n
 * (prepare_inputs_for_generation adds num_virtual_tokens to cache_position likewise). Given ids
 * (padding, packing) count from each row's first token, so a row's virtual tokens sit right before it.
 */
function shiftedPositions(given: Tensor, n: number, embeds: boolean): Tensor {
  if (n === 0) return given;
  const shifted = given.add(n);
  if (!embeds) return shifted;
  const lead = Tensor.fromValues([1, n], Array.from({ length: n }, (_, i) => i), 'i64').expand(given.dim(0), n);
  return Tensor.concat([lead, shifted], 1);
}

export function forwardContext(inputIds: Tensor, opts: ForwardOptions, config: ModelConfig): ForwardContext {
  if (inputIds.rank !== 2) throw new ShapeError('input_ids', '', `expected [B, T], got ${fmt(inputIds.shape)}`);
  const [batch, tokens] = inputIds.shape;
  const { embeds, prefix } = virtualParts(opts, batch, config);
  const n = embeds ? embeds.dim(1) : prefix ? prefix[0].k.dim(2) : 0;
  const past = prefix ?? (opts.past && checkPast(opts.past, config, 'past'));
  const pastLength = past ? past[0].k.dim(2) : 0;
  const t = tokens + (embeds ? n : 0);
  return {
    batch,
    t,
    pastLength,
    positionIds: opts.positionIds ? shiftedPositions(checkPositionIds(opts.positionIds, batch, tokens), n, embeds !== null) : defaultPositionIds(t, pastLength),
    mask: attentionMasks({
      mask: opts.attentionMask,
      t,
      s: pastLength + t,
      ...(n ? { virtual: { n, asQueries: embeds !== null } } : {}),
      ...(opts.cachePosition ? { cachePosition: checkCachePosition(opts.cachePosition, t, n) } : {}),
      ...(opts.symbolicLengths ? { symbolicLengths: true } : {}),
    }),
    past: (layer) => past?.[layer],
    embed: (x) => (embeds ? Tensor.concat([embeds, x], 1) : x),
  };
}
