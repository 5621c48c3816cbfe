import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from './gguf.constants.js';
import type { GgufTensorInfo } from './gguf-header.js';
import { alignUp } from './gguf-header.js';

/** A GGUF file that cannot be read: one line naming the file, the field and the byte offset. */
export class GgufFormatError extends Error {
  override readonly name = 'GgufFormatError';
}

/** ggml's GGML_MAX_DIMS: a tensor with more dimensions is not one llama.cpp wrote. */
const MAX_DIMS = 4;

export interface GgufContents {
  readonly version: number;
  /** Values as JavaScript sees them: numbers, bigints (64-bit), booleans, strings, arrays. */
  readonly metadata: ReadonlyMap<string, unknown>;
  /** Each key's GGUF value type, and an array's element type. */
  readonly types: ReadonlyMap<string, { type: number; element?: number }>;
  readonly tensors: readonly GgufTensorInfo[];
  /** Byte offset of the data section. */
  readonly dataStart: number;
}

/** Reads a GGUF header, checking every length against the buffer before trusting it (errors name `file`). */
export function readGguf(buf: Buffer, file = 'GGUF'): GgufContents {
  let at = 0;
  const need = (n: number, what: string): void => {
    if (at + n > buf.length) throw new GgufFormatError(`${file}: truncated reading ${what} at byte ${at}`);
  };
  const u32 = (what: string): number => (need(4, what), (at += 4), buf.readUInt32LE(at - 4));
  const u64 = (what: string): number => {
    need(8, what);
    const v = buf.readBigUInt64LE(at);
    at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufFormatError(`${file}: ${what} ${v} is too large`);
    return Number(v);
  };
  const string = (what: string): string => {
    const n = u64(`${what} length`);
    need(n, what);
    at += n;
    return buf.toString('utf8', at - n, at);
  };
  const SCALAR: Record<number, [number, (o: number) => unknown]> = {
    [GgufValueType.UINT8]: [1, (o) => buf.readUInt8(o)],
    [GgufValueType.INT8]: [1, (o) => buf.readInt8(o)],
    [GgufValueType.UINT16]: [2, (o) => buf.readUInt16LE(o)],
    [GgufValueType.INT16]: [2, (o) => buf.readInt16LE(o)],
    [GgufValueType.UINT32]: [4, (o) => buf.readUInt32LE(o)],
    [GgufValueType.INT32]: [4, (o) => buf.readInt32LE(o)],
    [GgufValueType.FLOAT32]: [4, (o) => buf.readFloatLE(o)],
    [GgufValueType.BOOL]: [1, (o) => buf.readUInt8(o) !== 0],
    [GgufValueType.UINT64]: [8, (o) => buf.readBigUInt64LE(o)],
    [GgufValueType.INT64]: [8, (o) => buf.readBigInt64LE(o)],
    [GgufValueType.FLOAT64]: [8, (o) => buf.readDoubleLE(o)],
  };
  const value = (type: number, what: string): unknown => {
    if (type === GgufValueType.STRING) return string(what);
    const s = SCALAR[type];
    if (!s) throw new GgufFormatError(`${file}: ${what} has unknown value type ${type}`);
    need(s[0], what);
    at += s[0];
    return s[1](at - s[0]);
  };

  if (u32('magic') !== GGUF_MAGIC) throw new GgufFormatError(`${file}: not a GGUF file (bad magic)`);
  const version = u32('version');
  const nTensors = u64('tensor count');
  const nKv = u64('metadata count');
  const metadata = new Map<string, unknown>();
  const types = new Map<string, { type: number; element?: number }>();
  for (let i = 0; i < nKv; i++) {
    const key = string('key');
    const type = u32(`${key} type`);
    if (type === GgufValueType.ARRAY) {
      const element = u32(`${key} element type`);
      const n = u64(`${key} length`);
      const items: unknown[] = [];
      for (let k = 0; k < n; k++) items.push(value(element, `${key}[${k}]`));
      metadata.set(key, items);
      types.set(key, { type, element });
    } else {
      metadata.set(key, value(type, key));
      types.set(key, { type });
    }
  }
  const tensors: GgufTensorInfo[] = [];
  for (let i = 0; i < nTensors; i++) {
    const name = string('tensor name');
    const nDims = u32(`${name} dims`);
    if (nDims > MAX_DIMS) throw new GgufFormatError(`${file}: tensor ${JSON.stringify(name.slice(0, 80))} has ${nDims} dimensions; ggml allows at most ${MAX_DIMS}`);
    const dims = Array.from({ length: nDims }, () => u64(`${name} dim`));
    tensors.push({ name, dims, typeId: u32(`${name} type`), offset: u64(`${name} offset`) });
  }
  const alignment = metadata.get('general.alignment') ?? GGUF_DEFAULT_ALIGNMENT;
  if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment <= 0) {
    throw new GgufFormatError(`${file}: general.alignment must be a positive integer, got ${String(alignment).slice(0, 40)}`);
  }
  return { version, metadata, types, tensors, dataStart: alignUp(at, alignment) };
}
