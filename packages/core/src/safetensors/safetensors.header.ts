import { SAFETENSORS_DTYPE_BYTES, type SafetensorsDType, isSafetensorsDType } from './safetensors.dtypes.js';
import { SafetensorsError, fmtList } from './safetensors.errors.js';
import { showValue } from '../util/show-value.js';
import { jsonSyntaxMessage } from '../util/json-file.js';

/** Size of the little-endian u64 that precedes the header JSON. */
export const PREFIX_BYTES = 8;
/** Same cap as the reference implementation: a larger header is far more likely garbage than real. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Key reserved for the free-form string map; never a tensor name. */
export const METADATA_KEY = '__metadata__';

/** One tensor as the header describes it, after validation. Offsets are relative to the data buffer. */
export interface HeaderTensor {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface ParsedHeader {
  /** Byte length of the header JSON including its padding (the u64 in the prefix). */
  readonly headerLength: number;
  /** Absolute file offset of the first data byte: 8 + headerLength. */
  readonly dataStart: number;
  readonly dataLength: number;
  /** Sorted by data offset, i.e. in file order. */
  readonly tensors: readonly HeaderTensor[];
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Decodes the 8-byte prefix and checks the header fits in the file. The u64 is compared as a
 * BigInt before it becomes a Number, so a corrupt prefix such as 2^63 cannot wrap or lose bits
 * into a plausible small length.
 */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < PREFIX_BYTES || prefix.byteLength < PREFIX_BYTES) {
    throw new SafetensorsError(file, `file is truncated: ${fileSize} bytes is shorter than the 8-byte header length prefix`);
  }
  const n = new DataView(prefix.buffer, prefix.byteOffset, PREFIX_BYTES).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit (corrupt or not a safetensors file)`);
  }
  const len = Number(n);
  if (PREFIX_BYTES + len > fileSize) {
    throw new SafetensorsError(
      file,
      `header length ${len} runs past the end of the file (${fileSize} bytes; header would end at byte ${PREFIX_BYTES + len})`,
    );
  }
  return len;
}

/** Strict UTF-8: a header with invalid bytes is corrupt, not something to patch with U+FFFD. */
export function decodeHeader(bytes: Uint8Array, file: string): string {
  try {
    // ignoreBOM keeps a BOM in the text so JSON.parse rejects it, as the reference reader does.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (cause) {
    throw new SafetensorsError(file, 'header is not valid UTF-8', undefined, { cause });
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Parses and validates a header, trusting nothing in it: every count and offset is checked
 * before anyone uses it to allocate memory or seek. `fileSize` is the size of the whole file.
 *
 * Coverage follows the reference implementation rather than the looser prose spec: sorted by
 * offset, the tensors must tile the data buffer exactly from 0 to its end (no overlap, no gap,
 * no trailing bytes), because anything else is either corruption or a way to smuggle data.
 * Known leniency: JSON.parse turns `1.0` into 1, so a shape written as `[1.0]` is accepted here
 * while the reference reader rejects it; the value is still an exact integer, so nothing unsafe
 * follows from it.
 */
export function parseHeader(json: string, fileSize: number, file: string): ParsedHeader {
  const headerLength = Buffer.byteLength(json, 'utf8');
  const dataStart = PREFIX_BYTES + headerLength;
  if (dataStart > fileSize) {
    throw new SafetensorsError(file, `header (${headerLength} bytes) runs past the end of the file (${fileSize} bytes)`);
  }
  const dataLength = fileSize - dataStart;

  let root: unknown;
  try {
    root = JSON.parse(json);
  } catch (cause) {
    throw new SafetensorsError(file, `header is not valid JSON: ${jsonSyntaxMessage(cause)}`, undefined, { cause });
  }
  if (!isPlainObject(root)) {
    throw new SafetensorsError(file, `header must be a JSON object, got ${root === null ? 'null' : Array.isArray(root) ? 'an array' : typeof root}`);
  }

  const tensors: HeaderTensor[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(root)) {
    if (name === METADATA_KEY) metadata = parseMetadata(value, file);
    else tensors.push(parseTensor(name, value, dataLength, file));
  }

  // Same ordering as the reference reader: by (begin, end), so zero-length tensors sit before
  // the tensor that starts at the same offset.
  tensors.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkTiling(tensors, dataLength, file);

  return { headerLength, dataStart, dataLength, tensors, metadata };
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  // The reference reader models it as Option<map>, so an explicit null means "none".
  if (value === null) return {};
  if (!isPlainObject(value)) throw new SafetensorsError(file, `"${METADATA_KEY}" must be an object of strings`);
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new SafetensorsError(file, `"${METADATA_KEY}" value for ${showValue(k)} must be a string, got ${typeof v}`);
    }
  }
  // fromEntries defines own properties, so a "__proto__" key stays data instead of a prototype.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function parseTensor(name: string, value: unknown, dataLength: number, file: string): HeaderTensor {
  const fail = (detail: string): never => {
    throw new SafetensorsError(file, detail, name);
  };
  if (!isPlainObject(value)) return fail('entry must be an object with dtype, shape and data_offsets');

  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') return fail('dtype must be a string');
  if (!isSafetensorsDType(dtype)) {
    return fail(`unknown dtype ${showValue(dtype)} (known: ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    return fail(`shape must be an array of non-negative integers, got ${showValue(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    return fail(`data_offsets must be two non-negative integers, got ${showValue(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return fail(`data_offsets ${fmtList(offsets)} end before they begin`);
  if (end > dataLength) {
    return fail(
      `data_offsets ${fmtList(offsets)} run past the end of the data buffer (${dataLength} bytes); the file is truncated or the header is corrupt`,
    );
  }

  const need = byteLengthOf(shape, SAFETENSORS_DTYPE_BYTES[dtype]);
  if (need === undefined) return fail(`shape ${fmtList(shape)} (${dtype}) is too large to address`);
  if (need !== end - begin) {
    return fail(`shape ${fmtList(shape)} (${dtype}) needs ${need} bytes, data_offsets give ${end - begin}`);
  }
  return { name, dtype, shape, begin, end };
}

/** numel * elementBytes, or undefined when it leaves the exactly representable integers. */
export function byteLengthOf(shape: readonly number[], elementBytes: number): number | undefined {
  let n = elementBytes;
  for (const d of shape) {
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}

function checkTiling(sorted: readonly HeaderTensor[], dataLength: number, file: string): void {
  let cursor = 0;
  let prev: HeaderTensor | undefined;
  for (const t of sorted) {
    const at = fmtList([t.begin, t.end]);
    if (t.begin < cursor && prev) {
      throw new SafetensorsError(file, `data_offsets ${at} overlap tensor ${showValue(prev.name)} at ${fmtList([prev.begin, prev.end])}`, t.name);
    }
    if (t.begin > cursor) {
      const after = prev ? `after tensor ${showValue(prev.name)}` : 'at the start of the data buffer';
      throw new SafetensorsError(
        file,
        `data_offsets ${at} leave a gap of ${t.begin - cursor} unused bytes ${fmtList([cursor, t.begin])} ${after}; tensors must be contiguous`,
        t.name,
      );
    }
    cursor = t.end;
    prev = t;
  }
  if (cursor !== dataLength) {
    const after = prev ? ` after tensor ${showValue(prev.name)}` : '';
    throw new SafetensorsError(
      file,
      `data buffer has ${dataLength} bytes but tensors cover only ${cursor}: ${dataLength - cursor} trailing bytes${after} belong to no tensor`,
    );
  }
}
