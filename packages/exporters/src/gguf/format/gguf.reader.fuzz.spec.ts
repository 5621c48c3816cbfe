import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFuzzReport, fuzzParser } from '@tunekit/core/testing';
import { describe, expect, it } from 'vitest';
import { encodeTensor } from '../quant/ggml-types.js';
import { GgufFormatError, readGguf } from './gguf.reader.js';
import { writeGguf } from './gguf.writer.js';
import { f32, i32s, str, strings, u32 } from './gguf-value.js';

/** A small file TuneKit wrote: strings, arrays, numbers, an F32 and a Q8_0 tensor. */
async function seedFile(): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-gguf-fuzz-'));
  try {
    const path = join(dir, 'seed.gguf');
    await writeGguf(path, {
      metadata: new Map([
        ['general.architecture', str('llama')],
        ['llama.block_count', u32(1)],
        ['llama.rope.freq_base', f32(10000)],
        ['tokenizer.ggml.tokens', strings(['a', 'é', '<|x|>'])],
        ['tokenizer.ggml.token_type', i32s([1, 1, 3])],
      ]),
      tensors: [
        { name: 'blk.0.attn_norm.weight', dims: [4], type: 'F32' as const, encode: () => encodeTensor('F32', Float32Array.from([1, 2, 3, 4])) },
        { name: 'blk.0.attn_q.weight', dims: [32, 1], type: 'Q8_0' as const, encode: () => encodeTensor('Q8_0', Float32Array.from({ length: 32 }, (_, i) => i - 16)) },
      ],
    });
    return new Uint8Array(await readFile(path));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('fuzz: GGUF reader', () => {
  it('a mutated GGUF header reads, or fails with one GgufFormatError line, never trusting a count it cannot back', async () => {
    const seed = await seedFile();
    const { dataStart } = readGguf(Buffer.from(seed));
    const report = await fuzzParser(
      {
        name: 'GGUF header',
        seeds: [seed],
        parse: (bytes) => readGguf(Buffer.from(bytes), 'case.gguf'),
        named: [GgufFormatError],
        // Magic, version, the tensor and metadata counts, the first key's length, and the data section's start.
        boundaries: () => [0, 4, 8, 16, 24, 32, dataStart - 8, dataStart],
      },
      300,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(300);
  });
});
