import { existsSync, readdirSync } from 'node:fs';
import { type FileHandle, mkdir, mkdtemp, open, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { f32ToBf16Bits, f32ToF16Bits } from '../dtype.js';
import { HostTensor } from '../host-tensor.js';
import {
  SafetensorsError,
  SafetensorsFile,
  parseHeader,
  planChunks,
  readHeaderLength,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from './index.js';

let dir: string;
let seq = 0;
const tmpPath = (name = 'model') => join(dir, `${name}-${seq++}.safetensors`);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'safetensors-spec-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const bytes = (t: HostTensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const ascii = (s: string): number[] => [...Buffer.from(s, 'utf8')];
const u64le = (n: number | bigint): number[] => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return [...b];
};

/** A file laid out by hand: prefix (the header's byte length unless overridden), header, data. */
function craft(header: string | object, data: number | ArrayLike<number> = 0, prefix?: number | bigint): Uint8Array {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const body = typeof data === 'number' ? new Uint8Array(data) : Uint8Array.from(data);
  return Uint8Array.from([...u64le(prefix ?? json.byteLength), ...json, ...body]);
}

async function craftFile(header: string | object, data: number | ArrayLike<number> = 0, prefix?: number | bigint): Promise<string> {
  const p = tmpPath('crafted');
  await writeFile(p, craft(header, data, prefix));
  return p;
}

async function openError(path: string): Promise<SafetensorsError> {
  const result = await SafetensorsFile.open(path).then(
    async (f) => {
      await f.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(result).toBeInstanceOf(SafetensorsError);
  const err = result as SafetensorsError;
  expect(err.file).toBe(path);
  expect(err.message.startsWith(`${path}: `)).toBe(true);
  return err;
}

const f32 = (shape: number[], values: number[]) => HostTensor.f32(shape, values);
const half = (dtype: 'f16' | 'bf16', shape: number[], values: number[]) =>
  new HostTensor(dtype, shape, Uint16Array.from(values, dtype === 'f16' ? f32ToF16Bits : f32ToBf16Bits));

describe('round trip', () => {
  const tensors = new Map<string, HostTensor>([
    ['f32.matrix', f32([2, 3], [0, -0, 1.5, -2.25, Infinity, 3.4e38])],
    ['f16.vec', half('f16', [4], [1, -2, 0.5, 65504])],
    ['bf16.vec', half('bf16', [3], [1, -3.140625, 1e30])],
    ['i64.vec', HostTensor.i64([3], [2n ** 62n, -1n, -(2n ** 63n)])],
    ['i32.vec', new HostTensor('i32', [2], Int32Array.of(-(2 ** 31), 2 ** 31 - 1))],
    ['u8.vec', new HostTensor('u8', [4], Uint8Array.of(0, 1, 128, 255))],
    ['i8.vec', new HostTensor('i8', [4], Int8Array.of(-128, -1, 0, 127))],
    ['bool.mask', new HostTensor('bool', [2, 2], Uint8Array.of(1, 0, 0, 1))],
    ['scalar', HostTensor.scalar(3.5)],
    ['empty.f32', HostTensor.zeros('f32', [0, 4])],
    ['empty.i64', HostTensor.zeros('i64', [0])],
  ]);
  const metadata = { format: 'pt', note: 'ünïcødé ✓ "quoted"\n' };

  it('writes and reads back every dtype, a 0-d scalar, empty tensors and metadata', async () => {
    const path = tmpPath();
    await writeSafetensors(path, tensors, metadata);
    const back = await readSafetensors(path);
    expect([...back.keys()].sort()).toEqual([...tensors.keys()].sort());
    for (const [name, want] of tensors) {
      const got = back.get(name)!;
      expect(got.dtype, name).toBe(want.dtype);
      expect(got.shape, name).toEqual(want.shape);
      expect(got.data.constructor, name).toBe(want.data.constructor);
      expect(bytes(got), name).toEqual(bytes(want));
    }
    const file = await SafetensorsFile.open(path);
    try {
      expect(file.metadata).toEqual(metadata);
      expect(file.info('scalar')).toMatchObject({ dtype: 'f32', safetensorsDtype: 'F32', shape: [], byteLength: 4 });
      expect(file.info('empty.f32')).toMatchObject({ dtype: 'f32', shape: [0, 4], byteLength: 0 });
      // The writer aligns the data buffer to 8 and orders by alignment, so every tensor is aligned.
      expect(file.dataStart % 8).toBe(0);
      for (const name of file.names()) {
        const { offset, safetensorsDtype } = file.info(name);
        const size = { I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2 }[safetensorsDtype as string] ?? 1;
        expect(offset % size, name).toBe(0);
      }
    } finally {
      await file.close();
    }
    // The streaming writer and the in-memory serializer produce the same bytes.
    expect(new Uint8Array(await readFile(path))).toEqual(serializeSafetensors(tensors, metadata));
  });

  it('accepts a plain record and an empty set of tensors', async () => {
    const path = tmpPath();
    await writeSafetensors(path, { b: f32([1], [2]), a: f32([1], [1]) });
    expect([...(await readSafetensors(path)).keys()]).toEqual(['a', 'b']);
    const empty = tmpPath();
    await writeSafetensors(empty, {});
    expect((await readSafetensors(empty)).size).toBe(0);
  });

  it('writes in the documented order: dtype rank desc (I64, F32, I32, BF16, F16, I8, U8, BOOL), then UTF-8 name', async () => {
    const path = tmpPath();
    await writeSafetensors(path, {
      '2': f32([1], [0]),
      '10': f32([1], [0]),
      b: new HostTensor('u8', [1], Uint8Array.of(0)),
      c: new HostTensor('i8', [1], Int8Array.of(0)),
      a: new HostTensor('bool', [1], Uint8Array.of(0)),
      z: HostTensor.i64([1], [0]),
      h: half('f16', [1], [0]),
      g: half('bf16', [1], [0]),
      i: new HostTensor('i32', [1], Int32Array.of(0)),
    });
    const file = await SafetensorsFile.open(path);
    // JSON key order of integer-like names would be "2", "10" if we had used JSON.stringify(object).
    expect(file.names()).toEqual(['z', '10', '2', 'i', 'g', 'h', 'c', 'b', 'a']);
    await file.close();
  });

  it('converts between float dtypes on read with `into`', async () => {
    const path = tmpPath();
    await writeSafetensors(path, { w: half('bf16', [3], [1, -2.5, 0.15625]), n: HostTensor.i64([1], [1]) });
    const file = await SafetensorsFile.open(path);
    try {
      const w = await file.read('w', { into: 'f32' });
      expect(w.dtype).toBe('f32');
      expect([...w.toFloat32()]).toEqual([1, -2.5, 0.15625]);
      expect([...(await file.read('w', { into: 'f16' })).data]).toEqual([1, -2.5, 0.15625].map(f32ToF16Bits));
      await expect(file.read('n', { into: 'f32' })).rejects.toThrow(`${path}: tensor "n": cannot convert I64 to f32`);
    } finally {
      await file.close();
    }
  });
});

describe('byte layout against the spec', () => {
  it('matches a hand-written file: u64 LE length, padded JSON, contiguous little-endian data', () => {
    const out = serializeSafetensors(
      new Map<string, HostTensor>([
        ['m', new HostTensor('bool', [3], Uint8Array.of(1, 0, 1))],
        ['h', new HostTensor('f16', [1], Uint16Array.of(0x3c00))], // 1.0
        ['g', new HostTensor('bf16', [1], Uint16Array.of(0x3f80))], // 1.0
        ['w', f32([2], [1, -2])],
        ['idx', HostTensor.i64([], [258])],
      ]),
      { format: 'pt' },
    );
    const json =
      '{"__metadata__":{"format":"pt"},' +
      '"idx":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
      '"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},' +
      '"g":{"dtype":"BF16","shape":[1],"data_offsets":[16,18]},' +
      '"h":{"dtype":"F16","shape":[1],"data_offsets":[18,20]},' +
      '"m":{"dtype":"BOOL","shape":[3],"data_offsets":[20,23]}}';
    expect(json.length).toBe(307); // padded with 5 spaces to 312 = 0x138
    const expected = [
      ...[0x38, 0x01, 0, 0, 0, 0, 0, 0],
      ...ascii(json),
      ...ascii('     '),
      ...[0x02, 0x01, 0, 0, 0, 0, 0, 0], // idx = 258 (i64 LE)
      ...[0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0], // w = [1, -2] (f32 LE)
      ...[0x80, 0x3f], // g = 1.0 (bf16)
      ...[0x00, 0x3c], // h = 1.0 (f16)
      ...[1, 0, 1], // m
    ];
    expect([...out]).toEqual(expected);
  });

  // Vectors from the reference implementation's own unit tests (safetensors/src/tensor.rs).
  it('reproduces the reference serializer test vectors', () => {
    const six = [0, 1, 2, 3, 4, 5];
    const data = [...new Uint8Array(Float32Array.from(six).buffer)];
    const exact = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(exact.length).toBe(64); // already a multiple of 8: no padding
    expect([...serializeSafetensors({ 'attn.0': f32([1, 2, 3], six) })]).toEqual([...u64le(64), ...ascii(exact), ...data]);

    const padded = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect([...serializeSafetensors({ attn0: f32([1, 1, 2, 3], six) })]).toEqual([...u64le(72), ...ascii(padded), ...ascii(' '.repeat(7)), ...data]);

    expect([...serializeSafetensors({})]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    expect([...serializeSafetensors({}, { framework: 'pt' })]).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     '),
    ]);
  });

  it('reads a hand-written file, including trailing-space padding and header key order unlike ours', async () => {
    const header = '{"b":{"data_offsets":[4,8],"shape":[],"dtype":"I32"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    const path = await craftFile(header + ' '.repeat(13), [0, 0, 0xc0, 0x3f, 7, 0, 0, 0]);
    const file = await SafetensorsFile.open(path);
    try {
      expect(file.names()).toEqual(['a', 'b']);
      expect(file.metadata).toEqual({});
      expect([...(await file.read('a')).data]).toEqual([1.5]);
      expect([...(await file.read('b')).data]).toEqual([7]);
      expect(file.info('b').offset).toBe(8 + header.length + 13 + 4);
    } finally {
      await file.close();
    }
  });
});

describe('random access', () => {
  let restore: (() => void) | undefined;
  afterEach(() => restore?.());

  /** Counts bytes actually read from disk by spying on FileHandle.prototype.read. */
  async function countReads(): Promise<() => Promise<number>> {
    const probePath = tmpPath('probe');
    await writeFile(probePath, '');
    const probe: FileHandle = await open(probePath, 'r');
    const proto = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const s = vi.spyOn(proto, 'read');
    restore = () => s.mockRestore();
    return async () => {
      const results = await Promise.all(s.mock.results.map((r) => r.value as Promise<{ bytesRead: number }>));
      s.mockClear();
      return results.reduce((n, r) => n + r.bytesRead, 0);
    };
  }

  it('opening reads only the prefix and header; reading a tensor reads only its bytes', async () => {
    const path = tmpPath();
    const big = f32([100_000], Array.from({ length: 100_000 }, (_, i) => i));
    await writeSafetensors(path, { a: big, b: new HostTensor('u8', [3], Uint8Array.of(9, 8, 7)), c: big });
    const bytesRead = await countReads();
    const file = await SafetensorsFile.open(path);
    try {
      expect(await bytesRead()).toBe(file.dataStart);
      expect([...(await file.read('b')).data]).toEqual([9, 8, 7]);
      expect(await bytesRead()).toBe(3);
    } finally {
      await file.close();
    }
  });

  it('entries() yields tensors one by one in file order', async () => {
    const path = tmpPath();
    await writeSafetensors(path, { x: f32([1], [1]), y: HostTensor.i64([1], [2]) });
    const file = await SafetensorsFile.open(path);
    const seen: string[] = [];
    for await (const [name, t] of file.entries()) seen.push(`${name}:${t.dtype}`);
    await file.close();
    expect(seen).toEqual(['y:i64', 'x:f32']);
  });

  it('opens files with dtypes HostTensor cannot hold, and reads the tensors it can', async () => {
    const header = {
      d: { dtype: 'F64', shape: [1], data_offsets: [0, 8] },
      e: { dtype: 'F8_E4M3', shape: [2], data_offsets: [8, 10] },
      f: { dtype: 'F32', shape: [1], data_offsets: [10, 14] },
    };
    const data = [...new Uint8Array(Float64Array.of(2.5).buffer), 1, 2, ...new Uint8Array(Float32Array.of(4).buffer)];
    const path = await craftFile(header, data);
    const file = await SafetensorsFile.open(path);
    try {
      expect(file.info('d')).toMatchObject({ dtype: 'F64', safetensorsDtype: 'F64', byteLength: 8 });
      await expect(file.read('d')).rejects.toThrow(`${path}: tensor "d": dtype F64 cannot be read into a HostTensor`);
      await expect(file.read('e')).rejects.toThrow(SafetensorsError);
      expect(new Float64Array((await file.readBytes('d')).buffer)[0]).toBe(2.5);
      expect([...(await file.read('f')).data]).toEqual([4]); // unaligned offset 10: still read correctly
    } finally {
      await file.close();
    }
  });

  it('names the file and tensor for an unknown tensor, and refuses reads after close', async () => {
    const path = tmpPath();
    await writeSafetensors(path, { a: f32([1], [1]) });
    const file = await SafetensorsFile.open(path);
    await expect(file.read('nope')).rejects.toThrow(`${path}: tensor "nope": no such tensor`);
    expect(() => file.info('nope')).toThrow(SafetensorsError);
    await file.close();
    await file.close(); // idempotent
    await expect(file.read('a')).rejects.toThrow(`${path}: tensor "a": file is closed`);
  });

  it('reports a file truncated after it was opened', async () => {
    const path = tmpPath();
    await writeSafetensors(path, { a: f32([4], [1, 2, 3, 4]) });
    const file = await SafetensorsFile.open(path);
    try {
      await truncate(path, file.dataStart + 6);
      await expect(file.read('a')).rejects.toThrow(`${path}: tensor "a": file is truncated: ended after 6 of 16 bytes`);
    } finally {
      await file.close();
    }
  });
});

describe('malformed files', () => {
  const two = (a: [number, number], b: [number, number]) => ({
    a: { dtype: 'F32', shape: [(a[1] - a[0]) / 4], data_offsets: a },
    b: { dtype: 'F32', shape: [(b[1] - b[0]) / 4], data_offsets: b },
  });

  it('rejects a file shorter than the 8-byte prefix, including an empty file', async () => {
    for (const size of [0, 5]) {
      const path = tmpPath('short');
      await writeFile(path, new Uint8Array(size));
      expect((await openError(path)).message).toContain(`file is truncated: ${size} bytes`);
    }
  });

  it('rejects a header length past the end of the file', async () => {
    const path = await craftFile('{}', 0, 1000);
    expect((await openError(path)).message).toContain('header length 1000 runs past the end of the file (10 bytes');
  });

  it('rejects a header length over 100 MB without trusting it (2^63 does not wrap)', async () => {
    for (const n of [100_000_001, 2n ** 63n, 2n ** 64n - 1n]) {
      const path = await craftFile('{}', 0, n);
      expect((await openError(path)).message).toContain(`header length ${n} exceeds the 100000000-byte limit`);
    }
  });

  it('rejects invalid JSON, non-object JSON and invalid UTF-8', async () => {
    expect((await openError(await craftFile('{"a":'))).message).toContain('header is not valid JSON');
    expect((await openError(await craftFile('[1, 2]'))).message).toContain('header must be a JSON object, got an array');
    const badUtf8 = tmpPath('utf8');
    await writeFile(badUtf8, Uint8Array.from([...u64le(4), 0x7b, 0xff, 0xfe, 0x7d]));
    expect((await openError(badUtf8)).message).toContain('header is not valid UTF-8');
  });

  it('rejects truncated data, naming the tensor that runs past the end', async () => {
    const good = serializeSafetensors({ a: f32([2], [1, 2]), b: f32([3], [1, 2, 3]) });
    const path = tmpPath('truncated');
    await writeFile(path, good.subarray(0, good.byteLength - 2));
    const err = await openError(path);
    expect(err.tensor).toBe('b');
    expect(err.message).toContain(`${path}: tensor "b": data_offsets [8, 20] run past the end of the data buffer (18 bytes); the file is truncated`);
  });

  it('rejects out-of-range offsets', async () => {
    const err = await openError(await craftFile(two([0, 4], [4, 400]), 8));
    expect(err.message).toContain('tensor "b": data_offsets [4, 400] run past the end of the data buffer (8 bytes)');
  });

  it('rejects overlapping offsets, naming both tensors', async () => {
    const err = await openError(await craftFile(two([0, 8], [4, 12]), 12));
    expect(err.tensor).toBe('b');
    expect(err.message).toContain('tensor "b": data_offsets [4, 12] overlap tensor "a" at [0, 8]');
  });

  it('rejects a gap between tensors, at the start, and unused trailing bytes', async () => {
    const gap = await openError(await craftFile(two([0, 4], [8, 12]), 12));
    expect(gap.message).toContain('tensor "b": data_offsets [8, 12] leave a gap of 4 unused bytes [4, 8] after tensor "a"');
    const start = await openError(await craftFile(two([4, 8], [8, 12]), 12));
    expect(start.message).toContain('tensor "a": data_offsets [4, 8] leave a gap of 4 unused bytes [0, 4] at the start');
    const tail = await openError(await craftFile(two([0, 4], [4, 8]), 12));
    expect(tail.message).toContain('data buffer has 12 bytes but tensors cover only 8: 4 trailing bytes after tensor "b"');
  });

  it('rejects a shape that does not match its byte length', async () => {
    const path = await craftFile({ 'a.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, 20);
    const err = await openError(path);
    expect(err.message).toBe(`${path}: tensor "a.weight": shape [2, 3] (F32) needs 24 bytes, data_offsets give 20`);
  });

  it('rejects an unknown dtype', async () => {
    const err = await openError(await craftFile({ q: { dtype: 'Q4_K', shape: [1], data_offsets: [0, 1] } }, 1));
    expect(err.tensor).toBe('q');
    expect(err.message).toContain('tensor "q": unknown dtype "Q4_K"');
  });

  it('rejects malformed shapes, offsets, entries and metadata', async () => {
    const cases: [object, number, string][] = [
      [{ a: { dtype: 'U8', shape: [-1], data_offsets: [0, 0] } }, 0, 'tensor "a": shape must be an array of non-negative integers, got [-1]'],
      [{ a: { dtype: 'U8', shape: [1.5], data_offsets: [0, 0] } }, 0, 'tensor "a": shape must be an array'],
      [{ a: { dtype: 'U8', shape: '4', data_offsets: [0, 4] } }, 4, 'tensor "a": shape must be an array'],
      [{ a: { dtype: 'U8', shape: [4], data_offsets: [4, 0] } }, 4, 'tensor "a": data_offsets [4, 0] end before they begin'],
      [{ a: { dtype: 'U8', shape: [4], data_offsets: [0] } }, 4, 'tensor "a": data_offsets must be two non-negative integers'],
      [{ a: { dtype: 'U8', shape: [4], data_offsets: ['0', 4] } }, 4, 'tensor "a": data_offsets must be two'],
      [{ a: { dtype: 'U8', shape: [1], data_offsets: [0, 2 ** 53 + 2] } }, 1, 'tensor "a": data_offsets must be two'],
      [{ a: { dtype: 'U8', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 1] } }, 1, 'tensor "a": shape [1099511627776, 1099511627776] (U8) is too large'],
      [{ a: [1, 2] }, 0, 'tensor "a": entry must be an object'],
      [{ a: { shape: [1], data_offsets: [0, 1] } }, 1, 'tensor "a": dtype must be a string'],
      [{ __metadata__: { n: 1 } }, 0, '"__metadata__" value for "n" must be a string'],
      [{ __metadata__: ['x'] }, 0, '"__metadata__" must be an object of strings'],
    ];
    for (const [header, data, message] of cases) {
      expect((await openError(await craftFile(header, data))).message).toContain(message);
    }
  });

  it('accepts zero-length tensors at shared offsets and a null __metadata__', async () => {
    const header = {
      __metadata__: null,
      e1: { dtype: 'F32', shape: [0], data_offsets: [0, 0] },
      a: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
      e2: { dtype: 'I64', shape: [3, 0], data_offsets: [2, 2] },
    };
    const file = await SafetensorsFile.open(await craftFile(header, [5, 6]));
    try {
      expect(file.names()).toEqual(['e1', 'a', 'e2']);
      expect((await file.read('e2')).shape).toEqual([3, 0]);
    } finally {
      await file.close();
    }
  });
});

describe('writer', () => {
  it('is atomic: a failure midway leaves neither the destination nor a temp file', async () => {
    const sub = join(dir, `atomic-${seq++}`);
    await mkdir(sub);
    const dest = join(sub, 'out.safetensors');
    const bad = f32([2], [1, 2]);
    const real = bad.data;
    let failedMidway = false;
    Object.defineProperty(bad, 'data', {
      get() {
        // Planning reads .data too; fail only once the temp file exists, i.e. mid-write.
        if (readdirSync(sub).some((f) => f.includes('.tmp-'))) {
          failedMidway = true;
          throw new Error('device lost');
        }
        return real;
      },
    });
    const err = await writeSafetensors(dest, { a: f32([1000], new Array(1000).fill(1)), b: bad }).catch((e: unknown) => e);
    expect(failedMidway).toBe(true);
    expect(err).toBeInstanceOf(SafetensorsError);
    expect((err as Error).message).toBe(`${dest}: write failed: device lost`);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
  });

  it('keeps an existing destination intact when a rewrite fails', async () => {
    const dest = tmpPath();
    await writeSafetensors(dest, { a: f32([1], [42]) });
    const before = await readFile(dest);
    const bad = f32([1], [0]);
    Object.defineProperty(bad, 'data', {
      get() {
        if (readdirSync(dir).some((f) => f.includes('.tmp-'))) throw new Error('boom');
        return Float32Array.of(0);
      },
    });
    await expect(writeSafetensors(dest, { a: bad })).rejects.toThrow(SafetensorsError);
    expect(await readFile(dest)).toEqual(before);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('fails cleanly when the target directory is gone', async () => {
    const gone = join(dir, `gone-${seq++}`);
    await mkdir(gone);
    await rm(gone, { recursive: true });
    const dest = join(gone, 'x.safetensors');
    await expect(writeSafetensors(dest, { a: f32([1], [1]) })).rejects.toThrow(`${dest}: write failed`);
    expect(existsSync(dest)).toBe(false);
  });

  it('rejects invalid input before touching the disk', async () => {
    const dest = tmpPath();
    await expect(writeSafetensors(dest, { __metadata__: f32([1], [1]) })).rejects.toThrow('tensor "__metadata__": "__metadata__" is reserved');
    // A Float32Array labelled f16: element count matches, byte length does not.
    const mislabeled = new HostTensor('f16', [2], new Float32Array(2) as unknown as Uint16Array);
    await expect(writeSafetensors(dest, { m: mislabeled })).rejects.toThrow(`${dest}: tensor "m": shape [2] (F16) needs 4 bytes, data has 8`);
    await expect(writeSafetensors(dest, { a: f32([1], [1]) }, { k: 3 as unknown as string })).rejects.toThrow('metadata value for "k" must be a string');
    expect(() => serializeSafetensors({ '\ud800': f32([1], [1]) })).toThrow('is not well-formed Unicode');
    expect(existsSync(dest)).toBe(false);
  });
});

describe('offsets beyond 32 bits', () => {
  const GiB = 2 ** 30;

  it('plans chunked I/O with exact positions past 4 GiB and tensors over 2 GiB', () => {
    const start = 2 ** 32 + 5;
    const chunks = planChunks(start, 5 * GiB + 3);
    expect(chunks).toHaveLength(6);
    expect(chunks.map((c) => c.length)).toEqual([GiB, GiB, GiB, GiB, GiB, 3]);
    chunks.forEach((c, i) => {
      expect(c.offset).toBe(i * GiB);
      expect(c.position).toBe(start + i * GiB);
      expect(c.length).toBeLessThan(2 ** 31); // Node's per-call limit
    });
    expect(planChunks(0, 0)).toEqual([]);
    expect(() => planChunks(2 ** 53, 1)).toThrow(RangeError);
  });

  it('decodes the u64 prefix exactly', () => {
    const prefix = (n: bigint) => Uint8Array.from(u64le(n));
    expect(readHeaderLength(prefix(99_999_992n), 2 ** 40, 'f')).toBe(99_999_992);
    // 2^32 + 8 would read as 8 if only the low word were used.
    expect(() => readHeaderLength(prefix(2n ** 32n + 8n), 2 ** 40, 'f')).toThrow('exceeds the 100000000-byte limit');
    expect(() => readHeaderLength(prefix(16n), 20, 'f')).toThrow('f: header length 16 runs past the end of the file (20 bytes');
  });

  it('validates a header whose offsets exceed 2^32 (pure)', () => {
    const big = 2 ** 32 + 8;
    const json = JSON.stringify({
      pad: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
      far: { dtype: 'F32', shape: [2], data_offsets: [big, big + 8] },
    });
    const h = parseHeader(json, 8 + json.length + big + 8, 'huge.safetensors');
    expect(h.tensors.map((t) => [t.name, t.begin, t.end])).toEqual([
      ['pad', 0, big],
      ['far', big, big + 8],
    ]);
    expect(() => parseHeader(json, 8 + json.length + big + 4, 'huge.safetensors')).toThrow(
      'huge.safetensors: tensor "far": data_offsets [4294967304, 4294967312] run past the end',
    );
  });

  it('reads a small tensor located past 4 GiB in a sparse file without touching the rest', async () => {
    const big = 2 ** 32 + 8;
    const json = JSON.stringify({
      pad: { dtype: 'U8', shape: [big], data_offsets: [0, big] },
      far: { dtype: 'F32', shape: [4], data_offsets: [big, big + 16] },
    }).padEnd(8 * 20, ' ');
    const path = tmpPath('sparse');
    const dataStart = 8 + json.length;
    await writeFile(path, craft(json));
    await truncate(path, dataStart + big + 16); // sparse: no blocks allocated for the 4 GiB hole
    const h = await open(path, 'r+');
    await h.write(new Uint8Array(Float32Array.of(1, -2, 3.5, 1e-3).buffer), 0, 16, dataStart + big);
    await h.close();

    const file = await SafetensorsFile.open(path);
    try {
      expect(file.info('far')).toMatchObject({ offset: dataStart + big, byteLength: 16 });
      expect(file.info('pad').byteLength).toBe(big);
      const far = await file.read('far');
      expect([...far.data]).toEqual([...Float32Array.of(1, -2, 3.5, 1e-3)]);
    } finally {
      await file.close();
      await rm(path);
    }
  });
});
