import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readGgufFileInfo } from 'node-llama-cpp';
import { encodeTensor } from '../quant/ggml-types.js';
import { readGguf } from './gguf.reader.js';
import { writeGguf } from './gguf.writer.js';
import { bool, f32, i32s, str, strings, u32 } from './gguf-value.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tunekit-gguf-writer-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const matrix = Float32Array.from({ length: 3 * 64 }, (_, i) => (i % 7) - 3);
const file = {
  metadata: new Map([
    ['general.architecture', str('llama')],
    ['llama.block_count', u32(2)],
    ['llama.rope.freq_base', f32(10000)],
    ['tokenizer.ggml.add_bos_token', bool(false)],
    ['tokenizer.ggml.tokens', strings(['a', 'é', '<|x|>'])],
    ['tokenizer.ggml.token_type', i32s([1, 1, 3])],
  ]),
  tensors: [
    { name: 'blk.0.attn_norm.weight', dims: [5], type: 'F32' as const, encode: () => encodeTensor('F32', Float32Array.from([1, 2, 3, 4, 5])) },
    { name: 'blk.0.attn_q.weight', dims: [64, 3], type: 'Q8_0' as const, encode: () => encodeTensor('Q8_0', matrix) },
  ],
};

describe('GGUF v3 writer', () => {
  it('writes a header, metadata and 32-byte aligned tensors that llama.cpp-side readers accept', async () => {
    const path = join(dir, 'a.gguf');
    await writeGguf(path, file);
    const buf = await readFile(path);
    expect(buf.subarray(0, 4).toString('latin1')).toBe('GGUF');
    const g = readGguf(buf, path);
    expect(g.version).toBe(3);
    expect(g.metadata.get('general.alignment')).toBe(32);
    expect(g.metadata.get('tokenizer.ggml.tokens')).toEqual(['a', 'é', '<|x|>']);
    expect(g.tensors.map((t) => [t.name, t.dims, t.typeId, t.offset])).toEqual([
      ['blk.0.attn_norm.weight', [5], 0, 0],
      ['blk.0.attn_q.weight', [64, 3], 8, 32], // 20 bytes of F32, padded to 32
    ]);
    expect(g.dataStart % 32).toBe(0);
    expect(buf.length).toBe(g.dataStart + 32 + 3 * 2 * 34 + (32 - ((3 * 2 * 34) % 32)));
    expect([...new Float32Array(buf.buffer.slice(buf.byteOffset + g.dataStart, buf.byteOffset + g.dataStart + 20))]).toEqual([1, 2, 3, 4, 5]);
    // node-llama-cpp's own GGUF parser reads the same file.
    const info = await readGgufFileInfo(path);
    expect(info.version).toBe(3);
    expect(info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.offset)])).toEqual([
      ['blk.0.attn_norm.weight', [5], 0, 0],
      ['blk.0.attn_q.weight', [64, 3], 8, 32],
    ]);
    expect((info.metadata as unknown as { llama: { block_count: number } }).llama.block_count).toBe(2);
  });

  it('leaves no file under the final name, and no temporary file, when a tensor fails', async () => {
    const path = join(dir, 'b.gguf');
    const bad = { ...file, tensors: [...file.tensors, { name: 'broken', dims: [32], type: 'F32' as const, encode: () => new Uint8Array(3) }] };
    await expect(writeGguf(path, bad)).rejects.toThrow(/broken: encoded 3 bytes, expected 128/);
    expect((await readdir(dir)).filter((f) => f.includes('b.gguf'))).toEqual([]);
  });

  it('refuses rows that do not split into the type\'s blocks, naming the tensor', async () => {
    const bad = { ...file, tensors: [{ name: 'odd', dims: [48, 2], type: 'Q8_0' as const, encode: () => new Uint8Array(0) }] };
    await expect(writeGguf(join(dir, 'c.gguf'), bad)).rejects.toThrow(/odd: rows of 48 weights do not split into Q8_0 blocks of 32/);
  });
});
