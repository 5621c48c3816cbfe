import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { JSON_SYNTAX, describeFuzzReport, fuzzParser } from '../testing/fuzz.test-support.js';
import { SafetensorsError } from './safetensors.errors.js';
import { SafetensorsFile } from './safetensors.reader.js';
import { serializeSafetensors } from './safetensors.writer.js';

const dir = mkdtempSync(join(tmpdir(), 'tunekit-fuzz-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small file with several dtypes, a scalar, an empty tensor and metadata: every header path. */
const seed = serializeSafetensors(
  new Map<string, HostTensor>([
    ['a.weight', HostTensor.f32([2, 3], [1, 2, 3, 4, 5, 6])],
    ['b.bias', new HostTensor('bf16', [3], new Uint16Array([0x3f80, 0x4000, 0x4040]))],
    ['c.ids', HostTensor.i64([2], [7, 8])],
    ['d.empty', HostTensor.f32([0, 4], [])],
    ['e.scalar', HostTensor.f32([], [0.5])],
  ]),
  { format: 'pt' },
);
const headerLength = Number(new DataView(seed.buffer, seed.byteOffset, 8).getBigUint64(0, true));
const data = seed.subarray(8 + headerLength);

/** Opens the bytes as a file and reads every tensor, as a loader would. */
async function openAll(bytes: Uint8Array): Promise<void> {
  const path = join(dir, 'case.safetensors');
  writeFileSync(path, bytes);
  const file = await SafetensorsFile.open(path);
  try {
    for await (const entry of file.entries()) void entry;
  } finally {
    await file.close();
  }
}

/** A header text becomes a file with the seed's data after it. */
function withHeader(header: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

describe('fuzz: safetensors', () => {
  it('a mutated file opens and reads, or fails with one SafetensorsError line', async () => {
    const report = await fuzzParser(
      {
        name: 'safetensors file',
        seeds: [seed],
        parse: openAll,
        named: [SafetensorsError],
        // The length prefix, the header's end (data start) and every tensor's first byte.
        boundaries: () => [0, 4, 8, 8 + headerLength - 8, 8 + headerLength, 8 + headerLength + 24, 8 + headerLength + 30, 8 + headerLength + 46],
      },
      400,
    );
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(400);
  });

  it('a mutated header (types, numbers, nesting, UTF-8) is validated before any length is trusted', async () => {
    const header = seed.subarray(8, 8 + headerLength);
    const report = await fuzzParser({ name: 'safetensors header', seeds: [header.slice()], parse: (h) => openAll(withHeader(h)), named: [SafetensorsError], text: JSON_SYNTAX }, 400);
    console.log(describeFuzzReport(report));
    expect(report.cases).toBe(400);
  });
});
