import { closeSync, openSync, writeSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExternalRef, LoweredGraph } from '@tunekit/core';

/** Initializers this small stay inside the model (shape lists, scalars, norms of tiny models). */
const INLINE_BELOW = 1024;
/** Each external tensor starts at a multiple of this, so runtimes can map it in place. */
const ALIGN = 64;

export interface WrittenModel {
  /** Bytes of the .onnx file and of its external data. */
  readonly modelBytes: number;
  readonly dataBytes: number;
}

/**
 * Writes `file` and its weights as ONNX external data in `file`_data (the name transformers.js and
 * Optimum use). Each weight is made, written and dropped in turn, so the model is never whole in
 * memory and the protobuf stays far below its 2 GB limit.
 */
export async function writeOnnxModel(dir: string, file: string, lowered: LoweredGraph): Promise<WrittenModel> {
  const dataFile = `${file}_data`;
  const fd = openSync(join(dir, dataFile), 'w');
  let offset = 0;
  let bytes: Uint8Array;
  try {
    bytes = lowered.encode((_t, raw): ExternalRef | null => {
      if (raw.byteLength < INLINE_BELOW) return null;
      const pad = (ALIGN - (offset % ALIGN)) % ALIGN;
      if (pad) writeSync(fd, new Uint8Array(pad));
      offset += pad;
      for (let done = 0; done < raw.byteLength; ) done += writeSync(fd, raw, done, raw.byteLength - done);
      const ref = { location: dataFile, offset, length: raw.byteLength };
      offset += raw.byteLength;
      return ref;
    });
  } finally {
    closeSync(fd);
  }
  await writeFile(join(dir, file), bytes);
  return { modelBytes: bytes.byteLength, dataBytes: offset };
}
