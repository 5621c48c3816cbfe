import { type FileHandle, open } from 'node:fs/promises';
import { type DType, type FloatDType, type Storage, allocStorage, bf16BitsToF32, f16BitsToF32, fromFloat32, isFloat, numel, toFloat32 } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import { type SafetensorsDType, DTYPE_TO_SAFETENSORS, assertLittleEndian, toDType } from './safetensors.dtypes.js';
import { SafetensorsError } from './safetensors.errors.js';
import { type HeaderTensor, type ParsedHeader, PREFIX_BYTES, decodeHeader, parseHeader, readHeaderLength } from './safetensors.header.js';
import { bytesOf, readFully } from './safetensors.io.js';

export interface SafetensorsTensorInfo {
  /** Our dtype when HostTensor can hold it, otherwise the header's spelling (e.g. `F64`). */
  readonly dtype: DType | string;
  /** The dtype exactly as written in the header. */
  readonly safetensorsDtype: SafetensorsDType;
  readonly shape: readonly number[];
  readonly byteLength: number;
  /** Absolute byte position of the tensor's data in the file (not relative to the data buffer). */
  readonly offset: number;
}

export interface ReadOptions {
  /** Convert a float tensor to another float dtype (f32/f16/bf16) after reading. */
  into?: DType;
  /**
   * Read a float tensor as f32 into these reusable buffers instead of fresh ones: the result is a
   * view the next read with the same scratch overwrites. For loaders that consume each tensor at
   * once (quantizing while loading), so memory does not wait on the garbage collector.
   */
  scratch?: ReadScratch;
}

/** Buffers reused across reads (see ReadOptions.scratch); they grow to the largest tensor read. */
export class ReadScratch {
  private raw = new Uint8Array(0);
  private wide = new Float32Array(0);

  /** `n` bytes for a tensor's stored form. */
  bytes(n: number): Uint8Array {
    if (this.raw.byteLength < n) this.raw = new Uint8Array(n);
    return this.raw.subarray(0, n);
  }

  /** `n` float32s for its widened form. */
  float32(n: number): Float32Array {
    if (this.wide.length < n) this.wide = new Float32Array(n);
    return this.wide.subarray(0, n);
  }
}

/** Widening of each half type, element by element, into a caller's buffer. */
const WIDEN: Partial<Record<DType, (bits: number) => number>> = { bf16: bf16BitsToF32, f16: f16BitsToF32 };

/**
 * A safetensors file opened for random access. Opening reads only the 8-byte prefix and the
 * header; each tensor is read on demand straight into its own typed array, so memory stays at
 * one tensor at a time however large the file is.
 */
export class SafetensorsFile {
  private readonly byName: ReadonlyMap<string, HeaderTensor>;

  private constructor(
    readonly path: string,
    private handle: FileHandle | null,
    private readonly header: ParsedHeader,
  ) {
    this.byName = new Map(header.tensors.map((t) => [t.name, t]));
  }

  static async open(path: string): Promise<SafetensorsFile> {
    assertLittleEndian(path);
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      const prefix = new Uint8Array(PREFIX_BYTES);
      const got = size < PREFIX_BYTES ? 0 : await readFully(handle, prefix, 0);
      const headerLength = readHeaderLength(prefix.subarray(0, got), size, path);
      const raw = new Uint8Array(headerLength);
      if ((await readFully(handle, raw, PREFIX_BYTES)) !== headerLength) {
        throw new SafetensorsError(path, 'file is truncated: it ended while reading the header');
      }
      return new SafetensorsFile(path, handle, parseHeader(decodeHeader(raw, path), size, path));
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Free-form string metadata from `__metadata__` (empty when absent). */
  get metadata(): Readonly<Record<string, string>> {
    return this.header.metadata;
  }

  /** Absolute file offset where the data buffer begins (8 + header length; a multiple of 8 for files we write). */
  get dataStart(): number {
    return this.header.dataStart;
  }

  /** Tensor names in file (data offset) order, which is the cheapest order to read them in. */
  names(): string[] {
    return this.header.tensors.map((t) => t.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  info(name: string): SafetensorsTensorInfo {
    const t = this.entry(name);
    return {
      dtype: toDType(t.dtype) ?? t.dtype,
      safetensorsDtype: t.dtype,
      shape: t.shape,
      byteLength: t.end - t.begin,
      offset: this.header.dataStart + t.begin,
    };
  }

  /** The tensor's bytes as stored, for any dtype, including those HostTensor cannot hold. */
  async readBytes(name: string): Promise<Uint8Array> {
    const t = this.entry(name);
    const bytes = this.alloc(t, () => new Uint8Array(t.end - t.begin));
    await this.fill(t, bytes);
    return bytes;
  }

  /** Reads exactly one tensor's bytes into a freshly allocated (hence aligned) typed array. */
  async read(name: string, opts: ReadOptions = {}): Promise<HostTensor> {
    const t = this.entry(name);
    const dtype = toDType(t.dtype);
    if (dtype === undefined) {
      const supported = Object.values(DTYPE_TO_SAFETENSORS).join(', ');
      throw new SafetensorsError(this.path, `dtype ${t.dtype} cannot be read into a HostTensor (supported: ${supported}); use readBytes()`, t.name);
    }
    if (opts.scratch) return this.readIntoScratch(t, dtype, opts.scratch);
    const data = this.alloc(t, () => allocStorage(dtype, numel(t.shape)));
    await this.fill(t, bytesOf(data));
    const tensor = new HostTensor(dtype, t.shape, data);
    return opts.into === undefined || opts.into === dtype ? tensor : this.convert(t, tensor, opts.into);
  }

  /** Yields every tensor in file order, one at a time, so a caller can load and drop each in turn. */
  async *entries(opts: ReadOptions = {}): AsyncGenerator<[string, HostTensor]> {
    for (const t of this.header.tensors) yield [t.name, await this.read(t.name, opts)];
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }

  private async readIntoScratch(t: HeaderTensor, dtype: DType, scratch: ReadScratch): Promise<HostTensor<'f32'>> {
    const n = numel(t.shape);
    const widen = WIDEN[dtype];
    if (dtype !== 'f32' && !widen) throw new SafetensorsError(this.path, `a scratch read gives f32; cannot widen ${t.dtype}`, t.name);
    const out = scratch.float32(n);
    if (dtype === 'f32') {
      await this.fill(t, new Uint8Array(out.buffer, out.byteOffset, 4 * n));
      return new HostTensor('f32', t.shape, out);
    }
    const raw = scratch.bytes(2 * n);
    await this.fill(t, raw);
    const halves = new Uint16Array(raw.buffer, raw.byteOffset, n);
    for (let i = 0; i < n; i++) out[i] = widen!(halves[i]!);
    return new HostTensor('f32', t.shape, out);
  }

  private entry(name: string): HeaderTensor {
    const t = this.byName.get(name);
    if (!t) throw new SafetensorsError(this.path, `no such tensor (the file has ${this.byName.size})`, name);
    return t;
  }

  private alloc<T>(t: HeaderTensor, make: () => T): T {
    try {
      return make();
    } catch (cause) {
      throw new SafetensorsError(this.path, `cannot allocate ${t.end - t.begin} bytes: ${(cause as Error).message}`, t.name, { cause });
    }
  }

  private async fill(t: HeaderTensor, into: Uint8Array): Promise<void> {
    if (!this.handle) throw new SafetensorsError(this.path, 'file is closed', t.name);
    const position = this.header.dataStart + t.begin;
    const got = await readFully(this.handle, into, position);
    if (got !== into.byteLength) {
      // The header was checked against the size at open, so this means the file shrank since.
      throw new SafetensorsError(
        this.path,
        `file is truncated: ended after ${got} of ${into.byteLength} bytes at offset ${position + got}`,
        t.name,
      );
    }
  }

  private convert(t: HeaderTensor, tensor: HostTensor, into: DType): HostTensor {
    if (!isFloat(tensor.dtype) || !isFloat(into)) {
      throw new SafetensorsError(this.path, `cannot convert ${t.dtype} to ${into}: only float-to-float conversion is supported`, t.name);
    }
    const data: Storage = fromFloat32(into satisfies FloatDType, toFloat32(tensor.dtype, tensor.data));
    return new HostTensor(into, tensor.shape, data);
  }
}

/** Reads every tensor of a file into memory. For large checkpoints prefer `SafetensorsFile.entries()`. */
export async function readSafetensors(path: string): Promise<Map<string, HostTensor>> {
  const file = await SafetensorsFile.open(path);
  try {
    const out = new Map<string, HostTensor>();
    for await (const [name, tensor] of file.entries()) out.set(name, tensor);
    return out;
  } finally {
    await file.close();
  }
}
