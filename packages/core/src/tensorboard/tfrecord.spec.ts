import { describe, expect, it } from 'vitest';
import { fileVersionEvent } from './event.proto.js';
import { TfRecordError, frameRecord, maskedCrc32c, readRecords } from './tfrecord.js';

const bytes = (...values: number[]) => Uint8Array.from(values);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('TFRecord framing', () => {
  it("starts a file_version event with TensorFlow's bytes: length 24 and its masked CRC a37f4b22", () => {
    // Every event file TensorFlow or torch writes begins 18 00 00 00 00 00 00 00 a3 7f 4b 22.
    const first = frameRecord(fileVersionEvent(1_700_000_000.25));
    expect(hex(first.subarray(0, 12))).toBe('1800000000000000a37f4b22');
    expect(first.length).toBe(12 + 24 + 4);
  });

  it('masks CRC32C as TFRecord does (rotate right 15, add 0xa282ead8)', () => {
    // CRC32C("123456789") is the standard check value 0xe3069283.
    const crc = 0xe3069283;
    expect(maskedCrc32c(new TextEncoder().encode('123456789'))).toBe((((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });

  it('reads back what it framed, records of any length', () => {
    const payloads = [bytes(), bytes(1), Uint8Array.from({ length: 300 }, (_, i) => i & 0xff)];
    const file = Buffer.concat(payloads.map(frameRecord));
    expect(readRecords(file).map(hex)).toEqual(payloads.map(hex));
  });

  it('names the byte offset of a flipped bit, a cut-off record and a length past the end', () => {
    const first = frameRecord(bytes(1, 2, 3));
    const file = Buffer.concat([first, frameRecord(bytes(4, 5, 6, 7))]);
    const at = first.length;
    const flip = (i: number) => {
      const copy = Uint8Array.from(file);
      copy[i] ^= 0x10;
      return copy;
    };
    expect(() => readRecords(flip(at + 13), 'x.tfevents')).toThrow(`x.tfevents: data CRC mismatch in the record at byte ${at}`);
    expect(() => readRecords(flip(at + 1), 'x.tfevents')).toThrow(`x.tfevents: length CRC mismatch in the record at byte ${at}`);
    expect(() => readRecords(flip(at + 8), 'x.tfevents')).toThrow(`x.tfevents: length CRC mismatch in the record at byte ${at}`);
    expect(() => readRecords(file.subarray(0, at + 5))).toThrow(`record header at byte ${at} is cut short (5 of 12 bytes)`);
    expect(() => readRecords(file.subarray(0, file.length - 1))).toThrow(`the record at byte ${at} claims 4 bytes, past the end of the file`);
    // A huge length whose own CRC is valid: refused before any allocation or read.
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 62n, true);
    new DataView(huge.buffer).setUint32(8, maskedCrc32c(huge.subarray(0, 8)), true);
    expect(() => readRecords(huge)).toThrow(TfRecordError);
    expect(() => readRecords(huge)).toThrow(`claims ${2n ** 62n} bytes`);
  });
});
