import { crc32c } from '@aws-crypto/crc32c';

/** TFRecord's CRC mask: rotate right by 15 and add a constant, so a CRC of CRCs does not look valid. */
const MASK_DELTA = 0xa282ead8;

export function maskedCrc32c(data: Uint8Array): number {
  const crc = crc32c(data) >>> 0;
  return (((crc >>> 15) | (crc << 17)) + MASK_DELTA) >>> 0;
}

/** The bytes of one record: u64 length, masked CRC of those 8 bytes, the data, masked CRC of the data (all little-endian). */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export class TfRecordError extends Error {
  override readonly name = 'TfRecordError';
}

/**
 * Splits a TFRecord file into its records, checking both CRCs of each. A record cut short (a
 * writer killed mid-write) or a CRC mismatch is an error naming the file and the byte offset.
 */
export function readRecords(bytes: Uint8Array, file = 'TFRecord file'): Uint8Array[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    if (at + 12 > bytes.length) throw new TfRecordError(`${file}: record header at byte ${at} is cut short (${bytes.length - at} of 12 bytes)`);
    if (view.getUint32(at + 8, true) !== maskedCrc32c(bytes.subarray(at, at + 8))) throw new TfRecordError(`${file}: length CRC mismatch in the record at byte ${at}`);
    const length = view.getBigUint64(at, true);
    // Checked before use: an untrusted length never drives an allocation or an offset past the end.
    if (length > BigInt(bytes.length - at - 16)) throw new TfRecordError(`${file}: the record at byte ${at} claims ${length} bytes, past the end of the file`);
    const data = bytes.subarray(at + 12, at + 12 + Number(length));
    const end = at + 12 + data.length;
    if (view.getUint32(end, true) !== maskedCrc32c(data)) throw new TfRecordError(`${file}: data CRC mismatch in the record at byte ${at}`);
    records.push(data);
    at = end + 4;
  }
  return records;
}
