import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { DTYPE_INFO, type DType } from '../dtype.js';
import type { HostTensor } from '../host-tensor.js';
import { DTYPE_TO_SAFETENSORS, WRITE_RANK, assertLittleEndian } from './safetensors.dtypes.js';
import { SafetensorsError, fmtList } from './safetensors.errors.js';
import { MAX_HEADER_BYTES, METADATA_KEY, PREFIX_BYTES, byteLengthOf } from './safetensors.header.js';
import { bytesOf, writeFully } from './safetensors.io.js';

export type TensorMap = ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>;

interface PlannedTensor {
  readonly name: string;
  readonly tensor: HostTensor;
  readonly begin: number;
  readonly end: number;
}

interface WritePlan {
  /** 8-byte length prefix followed by the space-padded header JSON. */
  readonly head: Uint8Array;
  /** In file order, contiguous from offset 0. */
  readonly tensors: readonly PlannedTensor[];
  readonly dataLength: number;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** Orders strings by their UTF-8 bytes, as Rust's `String: Ord` does (JS `<` compares UTF-16 units). */
const compareUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function checkText(s: string, what: string, file: string, tensor?: string): void {
  // A lone surrogate has no UTF-8 encoding: TextEncoder would silently write U+FFFD instead.
  if (LONE_SURROGATE.test(s)) throw new SafetensorsError(file, `${what} ${JSON.stringify(s)} is not well-formed Unicode`, tensor);
}

/**
 * Lays out the file. Order and header text match the reference writer (and so Python's
 * `save_file`): dtypes from widest alignment down (Rust `Dtype` enum order, descending), then
 * name by UTF-8 bytes; `__metadata__` first with its keys sorted; the JSON padded with spaces to
 * a multiple of 8 so the data buffer starts 8-aligned and every tensor is aligned to its element
 * size. `__metadata__` is written whenever `metadata` is given, even if empty, as in the reference.
 */
function plan(tensors: TensorMap, metadata: Readonly<Record<string, string>> | undefined, file: string): WritePlan {
  const items: [string, HostTensor][] = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  const checked = items.map(([name, tensor]) => {
    if (name === METADATA_KEY) throw new SafetensorsError(file, `"${METADATA_KEY}" is reserved for metadata`, name);
    checkText(name, 'name', file, name);
    const st = DTYPE_TO_SAFETENSORS[tensor.dtype as DType];
    if (st === undefined) throw new SafetensorsError(file, `unsupported dtype ${String(tensor.dtype)}`, name);
    const shape = [...tensor.shape];
    if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(file, `shape ${fmtList(shape)} must hold non-negative integers`, name);
    }
    const need = byteLengthOf(shape, DTYPE_INFO[tensor.dtype].bytes);
    if (need === undefined || need !== tensor.data.byteLength) {
      throw new SafetensorsError(file, `shape ${fmtList(shape)} (${st}) needs ${need ?? 'too many'} bytes, data has ${tensor.data.byteLength}`, name);
    }
    return { name, tensor, st, shape, byteLength: need };
  });
  checked.sort((a, b) => WRITE_RANK[b.tensor.dtype] - WRITE_RANK[a.tensor.dtype] || compareUtf8(a.name, b.name));

  // Built by hand rather than from one object so key order is exactly ours: JSON.stringify of an
  // object would hoist integer-like names ("0", "1") ahead of the rest.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(compareUtf8);
    const fields = keys.map((k) => {
      const v: unknown = metadata[k];
      if (typeof v !== 'string') throw new SafetensorsError(file, `metadata value for ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      checkText(k, 'metadata key', file);
      checkText(v, 'metadata value', file);
      return `${JSON.stringify(k)}:${JSON.stringify(v)}`;
    });
    parts.push(`${JSON.stringify(METADATA_KEY)}:{${fields.join(',')}}`);
  }
  const planned: PlannedTensor[] = [];
  let offset = 0;
  for (const c of checked) {
    const begin = offset;
    offset += c.byteLength;
    if (!Number.isSafeInteger(offset)) throw new SafetensorsError(file, 'total data size is too large to address', c.name);
    planned.push({ name: c.name, tensor: c.tensor, begin, end: offset });
    parts.push(`${JSON.stringify(c.name)}:{"dtype":"${c.st}","shape":[${c.shape.join(',')}],"data_offsets":[${begin},${offset}]}`);
  }

  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded > MAX_HEADER_BYTES) throw new SafetensorsError(file, `header would be ${padded} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers enforce`);
  const head = new Uint8Array(PREFIX_BYTES + padded).fill(0x20, PREFIX_BYTES + json.byteLength);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, PREFIX_BYTES);
  return { head, tensors: planned, dataLength: offset };
}

/** The tensor's bytes, re-checked: the data may have been swapped or resized after planning. */
function tensorBytes(p: PlannedTensor, file: string): Uint8Array {
  const bytes = bytesOf(p.tensor.data);
  if (bytes.byteLength !== p.end - p.begin) {
    throw new SafetensorsError(file, `data changed size while writing: header says ${p.end - p.begin} bytes, data has ${bytes.byteLength}`, p.name);
  }
  return bytes;
}

/** Serializes in memory. Meant for small payloads and tests; use `writeSafetensors` for checkpoints. */
export function serializeSafetensors(tensors: TensorMap, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const label = '<buffer>';
  assertLittleEndian(label);
  const { head, tensors: planned, dataLength } = plan(tensors, metadata, label);
  const out = new Uint8Array(head.byteLength + dataLength);
  out.set(head);
  for (const p of planned) out.set(tensorBytes(p, label), head.byteLength + p.begin);
  return out;
}

/**
 * Writes a safetensors file, streaming each tensor's bytes straight from its typed array.
 * The bytes go to a sibling temp file that is fsynced and then renamed over `path`, so `path`
 * only ever holds the old file or the complete new one; on failure the temp file is removed.
 */
export async function writeSafetensors(path: string, tensors: TensorMap, metadata?: Readonly<Record<string, string>>): Promise<void> {
  assertLittleEndian(path);
  const { head, tensors: planned } = plan(tensors, metadata, path);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(tmp, 'wx');
    await writeFully(handle, head, 0);
    for (const p of planned) await writeFully(handle, tensorBytes(p, path), head.byteLength + p.begin);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw err instanceof SafetensorsError ? err : new SafetensorsError(path, `write failed: ${(err as Error).message}`, undefined, { cause: err });
  }
}
