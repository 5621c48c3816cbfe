import { GGUF_MAGIC, GGUF_VERSION, GgufValueType } from './gguf.constants.js';
import { type GgufValue, SCALARS } from './gguf-value.js';

/** A tensor's entry in the header: dimensions innermost first (ggml's ne[0] is a row's length). */
export interface GgufTensorInfo {
  readonly name: string;
  readonly dims: readonly number[];
  readonly typeId: number;
  /** Offset from the start of the data section, a multiple of the alignment. */
  readonly offset: number;
}

/** Little-endian bytes appended to a growing list of chunks: the header is small next to the data. */
class ByteSink {
  private readonly chunks: Buffer[] = [];
  length = 0;

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  scalar(type: keyof typeof SCALARS, x: number): void {
    const s = SCALARS[type];
    const b = Buffer.alloc(s.bytes);
    s.put(new DataView(b.buffer, b.byteOffset, b.length), 0, x);
    this.push(b);
  }
  u64(x: bigint | number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(x));
    this.push(b);
  }
  i64(x: bigint): void {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(x);
    this.push(b);
  }
  /** gguf_string: a u64 byte length, then UTF-8 bytes, no terminator. */
  string(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  zeros(n: number): void {
    if (n > 0) this.push(Buffer.alloc(n));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

const ARRAY_ELEMENT = { string: GgufValueType.STRING, i32: GgufValueType.INT32, u32: GgufValueType.UINT32, f32: GgufValueType.FLOAT32 } as const;

function putValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'string':
      sink.scalar('u32', GgufValueType.STRING);
      sink.string(v.value);
      return;
    case 'bool':
      sink.scalar('u32', GgufValueType.BOOL);
      sink.scalar('u8', v.value ? 1 : 0);
      return;
    case 'u64':
    case 'i64':
      sink.scalar('u32', v.type === 'u64' ? GgufValueType.UINT64 : GgufValueType.INT64);
      if (v.type === 'u64') sink.u64(v.value);
      else sink.i64(v.value);
      return;
    case 'array':
      sink.scalar('u32', GgufValueType.ARRAY);
      sink.scalar('u32', ARRAY_ELEMENT[v.of]);
      sink.u64(v.value.length);
      if (v.of === 'string') for (const s of v.value as readonly string[]) sink.string(s);
      else for (const x of v.value as readonly number[]) sink.scalar(v.of, x);
      return;
    default:
      sink.scalar('u32', SCALARS[v.type].code);
      sink.scalar(v.type, v.value);
  }
}

export const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/**
 * The header of a GGUF v3 file, padded so the data section starts on `alignment`: magic, version,
 * tensor and key counts, key/value pairs, tensor infos.
 */
export function encodeHeader(metadata: ReadonlyMap<string, GgufValue>, tensors: readonly GgufTensorInfo[], alignment: number): Buffer {
  const sink = new ByteSink();
  sink.scalar('u32', GGUF_MAGIC);
  sink.scalar('u32', GGUF_VERSION);
  sink.u64(tensors.length);
  sink.u64(metadata.size);
  for (const [key, value] of metadata) {
    sink.string(key);
    putValue(sink, value);
  }
  for (const t of tensors) {
    sink.string(t.name);
    sink.scalar('u32', t.dims.length);
    for (const d of t.dims) sink.u64(d);
    sink.scalar('u32', t.typeId);
    sink.u64(t.offset);
  }
  sink.zeros(alignUp(sink.length, alignment) - sink.length);
  return sink.toBuffer();
}
