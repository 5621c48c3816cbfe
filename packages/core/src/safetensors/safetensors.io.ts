import type { FileHandle } from 'node:fs/promises';

/**
 * Largest single read/write we issue. Node rejects a length above 2^31 - 1 per call, and a
 * round 1 GiB keeps every chunk well inside that while still amortising syscalls.
 */
export const MAX_IO_CHUNK = 1 << 30;

export interface IoChunk {
  /** Absolute file position (a plain Number: exact up to 2^53, i.e. 8 PiB). */
  readonly position: number;
  /** Offset into the destination/source byte view. */
  readonly offset: number;
  readonly length: number;
}

/**
 * Splits one contiguous transfer into chunks no larger than `maxChunk`. Pure so the arithmetic
 * for files and tensors beyond 2 GiB / 4 GiB can be tested without such files.
 */
export function planChunks(position: number, length: number, maxChunk = MAX_IO_CHUNK): IoChunk[] {
  if (!Number.isSafeInteger(position) || position < 0) throw new RangeError(`bad file position ${position}`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
  if (!Number.isSafeInteger(position + length)) throw new RangeError(`position ${position} + length ${length} is not exact`);
  if (!Number.isSafeInteger(maxChunk) || maxChunk <= 0) throw new RangeError(`bad chunk size ${maxChunk}`);
  const chunks: IoChunk[] = [];
  for (let offset = 0; offset < length; offset += maxChunk) {
    chunks.push({ position: position + offset, offset, length: Math.min(maxChunk, length - offset) });
  }
  return chunks;
}

/**
 * Fills `into` from the file starting at `position`. Short reads are retried; reaching the end
 * of the file first returns the number of bytes actually read so the caller can say which
 * tensor was cut off.
 */
export async function readFully(handle: FileHandle, into: Uint8Array, position: number, maxChunk = MAX_IO_CHUNK): Promise<number> {
  for (const chunk of planChunks(position, into.byteLength, maxChunk)) {
    let done = 0;
    while (done < chunk.length) {
      const { bytesRead } = await handle.read(into, chunk.offset + done, chunk.length - done, chunk.position + done);
      if (bytesRead === 0) return chunk.offset + done;
      done += bytesRead;
    }
  }
  return into.byteLength;
}

/** Writes all of `bytes` at `position`, in chunks, retrying partial writes. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number, maxChunk = MAX_IO_CHUNK): Promise<void> {
  for (const chunk of planChunks(position, bytes.byteLength, maxChunk)) {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await handle.write(bytes, chunk.offset + done, chunk.length - done, chunk.position + done);
      if (bytesWritten <= 0) throw new Error(`write made no progress at file position ${chunk.position + done}`);
      done += bytesWritten;
    }
  }
}

/** The raw bytes behind any typed array, without copying. */
export const bytesOf = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
