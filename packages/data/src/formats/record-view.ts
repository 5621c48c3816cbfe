import { jsonSyntaxMessage } from '@tunekit/core';
import { DataRowError, describeValue, type RecordSource } from '../errors.js';
import type { DataRecord } from '../readers/reader.types.js';
import type { ColumnMap } from './format.types.js';

/**
 * A record seen through a column mapping: formats ask for their own field names and errors print
 * the names the data uses, so `question: expected a string` points at the user's column.
 */
export class RecordView {
  constructor(
    readonly record: DataRecord,
    readonly source: RecordSource,
    private readonly columns: ColumnMap = {},
  ) {}

  /** The data's name for a format field. */
  name(field: string): string {
    return this.columns[field] ?? field;
  }

  has(field: string): boolean {
    const value = this.record[this.name(field)];
    return value !== undefined && value !== null;
  }

  error(path: string, problem: string): DataRowError {
    return new DataRowError(this.source, path, problem);
  }

  string(field: string): string {
    const value = this.record[this.name(field)];
    if (typeof value !== 'string') throw this.error(this.name(field), `expected a string, got ${describeValue(value)}`);
    return value;
  }

  /** Missing, null and '' all mean absent: CSV and Parquet cannot tell them apart. */
  optionalString(field: string): string | undefined {
    const value = this.record[this.name(field)];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw this.error(this.name(field), `expected a string, got ${describeValue(value)}`);
    return value;
  }

  /** An array, or (from CSV/TSV cells) a string holding a JSON array. */
  list(field: string): readonly unknown[] {
    const path = this.name(field);
    let value = this.record[path];
    if (typeof value === 'string' && value.trimStart().startsWith('[')) {
      try {
        value = JSON.parse(value);
      } catch (e) {
        throw this.error(path, `expected a JSON array, got invalid JSON (${jsonSyntaxMessage(e)})`);
      }
    }
    if (!Array.isArray(value)) throw this.error(path, `expected an array, got ${describeValue(value)}`);
    return value;
  }

  /** Field `key` (mapped) of the object at `path`, e.g. `messages[2]`. */
  item(value: unknown, path: string): ItemView {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.error(path, `expected an object, got ${describeValue(value)}`);
    }
    return new ItemView(this, value as DataRecord, path);
  }
}

/** An object nested in a record (one message), with the record's mapping and error location. */
export class ItemView {
  constructor(
    private readonly row: RecordView,
    private readonly value: DataRecord,
    private readonly path: string,
  ) {}

  pathOf(key: string): string {
    return `${this.path}.${this.row.name(key)}`;
  }

  get(key: string): unknown {
    return this.value[this.row.name(key)];
  }

  /** One of `allowed` (keys of a table), reported with the data's own spelling of the choices. */
  choice<T extends string>(key: string, allowed: Readonly<Record<string, T>>): T {
    const value = this.get(key);
    const found = typeof value === 'string' && Object.hasOwn(allowed, value) ? allowed[value] : undefined;
    if (found === undefined) {
      throw this.row.error(this.pathOf(key), `expected one of ${Object.keys(allowed).join('|')}, got ${describeValue(value)}`);
    }
    return found;
  }

  /** Text content: a string, or OpenAI's list of `{type: 'text', text}` parts joined. */
  text(key: string): string {
    const value = this.get(key);
    if (typeof value === 'string') return value;
    if (Array.isArray(value)) {
      return value
        .map((part, i) => {
          const p = part as { type?: unknown; text?: unknown } | null;
          if (p?.type !== 'text' || typeof p.text !== 'string') {
            throw this.row.error(`${this.pathOf(key)}[${i}]`, `expected a text part {type: "text", text: string}, got ${describeValue(part)}`);
          }
          return p.text;
        })
        .join('');
    }
    throw this.row.error(this.pathOf(key), `expected a string, got ${describeValue(value)}`);
  }
}
