import { jsonSyntaxMessage } from '@tunekit/core';
import { DataRowError, describeValue, type RecordSource } from '../errors.js';
import type { DataRecord, SourcedRecord } from './reader.types.js';

/** Every format reads named fields, so a row must be an object, whatever file it came from. */
export function sourced(value: unknown, source: RecordSource): SourcedRecord {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { source, record: value as DataRecord };
  return { source, error: new DataRowError(source, '', `expected an object (one record), got ${describeValue(value)}`) };
}

export function parsedJson(text: string, source: RecordSource): SourcedRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { source, error: new DataRowError(source, '', `invalid JSON: ${jsonSyntaxMessage(e)}`, { cause: e }) };
  }
  return sourced(value, source);
}
