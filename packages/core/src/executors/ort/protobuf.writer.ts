/**
 * A minimal protobuf encoder: just what ONNX models need (varints, fixed32 floats, length-delimited
 * strings, bytes and nested messages, packed repeated scalars). Messages are written field by field;
 * a nested message is encoded into its own writer first because its length prefix comes before it.
 * Large byte fields (weights) are kept by reference and nested messages by their parts, so a model's
 * bytes are copied once, by `finish`: copying them at every level of nesting took seconds for a 150 MB
 * model with its weights baked in.
 */

/** Byte fields at least this long are referenced, not copied, until `finish`. */
const BY_REFERENCE = 1 << 16;

const WIRE = { varint: 0, fixed32: 5, bytes: 2 } as const;
type Wire = (typeof WIRE)[keyof typeof WIRE];

const utf8 = new TextEncoder();
const TWO_31 = 2 ** 31;

export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  /** What came before `buf`: small fields copied together, and large ones by reference. */
  private readonly parts: Uint8Array[] = [];
  private partsLength = 0;
  private readonly scratch = new DataView(new ArrayBuffer(4));

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.partsLength + this.len;
  }

  /** Moves `buf` into the parts, so what follows can be a reference. */
  private seal(): void {
    if (!this.len) return;
    this.parts.push(this.buf.subarray(0, this.len));
    this.partsLength += this.len;
    this.buf = new Uint8Array(64);
    this.len = 0;
  }

  private raw(bytes: Uint8Array): void {
    if (bytes.length >= BY_REFERENCE) {
      this.seal();
      this.parts.push(bytes);
      this.partsLength += bytes.length;
      return;
    }
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** A bare varint. Negative numbers are 64-bit two's complement (10 bytes), as int32/int64 fields require. */
  varint(value: number | bigint): void {
    this.reserve(10);
    if (typeof value === 'number' && value >= 0 && value < TWO_31 && Number.isInteger(value)) {
      let v = value;
      while (v >= 0x80) {
        this.buf[this.len++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buf[this.len++] = v;
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }

  private tag(field: number, wire: Wire): void {
    this.varint(field * 8 + wire);
  }

  /** int32, int64 and enum fields all share the varint encoding. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE.varint);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE.fixed32);
    this.scratch.setFloat32(0, value, true);
    this.raw(new Uint8Array(this.scratch.buffer));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE.bytes);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  /** A nested message, written by `build` into a fresh writer. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    this.tag(field, WIRE.bytes);
    this.varint(inner.length);
    inner.seal();
    for (const part of inner.parts) this.raw(part);
    return this;
  }

  /** Packed repeated int64 (parsers accept packed encoding even for proto2 fields declared unpacked). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const data = new Float32Array(values);
    return this.bytes(field, new Uint8Array(data.buffer));
  }

  finish(): Uint8Array {
    if (!this.parts.length) return this.buf.subarray(0, this.len);
    this.seal();
    const out = new Uint8Array(this.partsLength);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    this.parts.splice(0, this.parts.length, out);
    return out;
  }
}
