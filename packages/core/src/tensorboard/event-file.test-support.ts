import { readFileSync } from 'node:fs';
import { EVENT_FIELDS, SUMMARY_FIELDS, VALUE_FIELDS } from './event.proto.js';
import { readRecords } from './tfrecord.js';

/** One decoded Event: the fields a scalar event file uses. */
export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  /** tag → simple_value, in file order. */
  scalars?: Record<string, number>;
}

type Field = { field: number; wire: number; value: bigint | Uint8Array | DataView };

/** A minimal protobuf reader: every field of one message, each checked against the bytes left. */
function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (at >= bytes.length) throw new Error('protobuf: varint runs past the end');
      const b = bytes[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const take = (n: number): Uint8Array => {
    if (at + n > bytes.length) throw new Error(`protobuf: field of ${n} bytes runs past the end`);
    return bytes.subarray(at, (at += n));
  };
  while (at < bytes.length) {
    const key = Number(varint());
    const [field, wire] = [key >> 3, key & 7];
    const view = (n: number) => new DataView(bytes.buffer, bytes.byteOffset + at, take(n).length);
    const value = wire === 0 ? varint() : wire === 1 ? view(8) : wire === 5 ? view(4) : wire === 2 ? take(Number(varint())) : null;
    if (value === null) throw new Error(`protobuf: unexpected wire type ${wire}`);
    out.push({ field, wire, value });
  }
  return out;
}

const text = (v: Field['value']): string => new TextDecoder('utf-8', { fatal: true }).decode(v as Uint8Array);

function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const event: DecodedEvent = { wallTime: NaN, step: 0 };
  for (const f of fields(bytes)) {
    if (f.field === EVENT_FIELDS.wall_time && f.wire === 1) event.wallTime = (f.value as DataView).getFloat64(0, true);
    else if (f.field === EVENT_FIELDS.step && f.wire === 0) event.step = Number(BigInt.asIntN(64, f.value as bigint));
    else if (f.field === EVENT_FIELDS.file_version && f.wire === 2) event.fileVersion = text(f.value);
    else if (f.field === EVENT_FIELDS.summary && f.wire === 2) {
      event.scalars = {};
      for (const v of fields(f.value as Uint8Array)) {
        if (v.field !== SUMMARY_FIELDS.value) throw new Error(`Summary: unexpected field ${v.field}`);
        const parts = fields(v.value as Uint8Array);
        const tag = parts.find((p) => p.field === VALUE_FIELDS.tag && p.wire === 2);
        const value = parts.find((p) => p.field === VALUE_FIELDS.simple_value && p.wire === 5);
        if (!tag || !value) throw new Error('Summary.Value: needs a tag and a simple_value');
        event.scalars[text(tag.value)] = (value.value as DataView).getFloat32(0, true);
      }
    } else throw new Error(`Event: unexpected field ${f.field} (wire type ${f.wire})`);
  }
  return event;
}

/** Every event of a TensorBoard event file, each record's two CRCs checked first. */
export function readEventFile(path: string): DecodedEvent[] {
  return readRecords(readFileSync(path), path).map(decodeEvent);
}
