/**
 * The two TensorFlow protobufs a scalar event file needs, encoded by hand (field numbers from
 * tensorflow/core/util/event.proto and framework/summary.proto):
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }   Value { string tag = 1; float simple_value = 2; }
 */

/** Protobuf wire types. */
const VARINT = 0;
const FIXED64 = 1;
const BYTES = 2;
const FIXED32 = 5;

export const EVENT_FIELDS = { wall_time: 1, step: 2, file_version: 3, summary: 5 } as const;
export const SUMMARY_FIELDS = { value: 1 } as const;
export const VALUE_FIELDS = { tag: 1, simple_value: 2 } as const;

/** TensorBoard reads files whose first event says this (what TensorFlow and torch write). */
export const FILE_VERSION = 'brain.Event:2';

class ProtoWriter {
  private readonly parts: Uint8Array[] = [];

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    do {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v ? low | 0x80 : low);
    } while (v);
    this.parts.push(Uint8Array.from(bytes));
  }

  private key(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  /** A little-endian fixed-width field: `size` bytes that `set` fills. */
  private fixed(field: number, wire: number, size: number, set: (view: DataView) => void): this {
    this.key(field, wire);
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    this.parts.push(b);
    return this;
  }

  double(field: number, value: number): this {
    return this.fixed(field, FIXED64, 8, (v) => v.setFloat64(0, value, true));
  }

  float(field: number, value: number): this {
    return this.fixed(field, FIXED32, 4, (v) => v.setFloat32(0, value, true));
  }

  int64(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, BYTES);
    this.varint(BigInt(value.length));
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** The first event of every file: which format version the records follow. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  // No step: proto3 leaves a zero field out, and so does TensorFlow (the record is then 24 bytes long).
  return new ProtoWriter().double(EVENT_FIELDS.wall_time, wallTime).string(EVENT_FIELDS.file_version, FILE_VERSION).finish();
}

/** One event holding one `simple_value` per tag, at `step` (seconds since the epoch in `wallTime`). */
export function scalarsEvent(wallTime: number, step: number, scalars: Readonly<Record<string, number>>): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(scalars)) {
    summary.bytes(SUMMARY_FIELDS.value, new ProtoWriter().string(VALUE_FIELDS.tag, tag).float(VALUE_FIELDS.simple_value, value).finish());
  }
  return new ProtoWriter().double(EVENT_FIELDS.wall_time, wallTime).int64(EVENT_FIELDS.step, step).bytes(EVENT_FIELDS.summary, summary.finish()).finish();
}
