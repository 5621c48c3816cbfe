import { type Check, checks, showValue } from '@tunekit/core';
import { ModelConfigError } from './config-error.js';

/** A config.json object as parsed, before validation. */
export type RawConfig = Readonly<Record<string, unknown>>;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v} ${showValue(v)}`);

/**
 * Typed, validating reads of one JSON object, with the core config kit's checks. An absent key or
 * `null` takes the fallback (that is what transformers' config classes do with their defaults); a
 * present value of the wrong kind is an error naming the field, never coerced.
 */
export class ConfigFields {
  constructor(
    readonly raw: RawConfig,
    readonly file: string,
    /** Prepended to field names in errors (`rope_scaling.`). */
    readonly prefix = '',
  ) {}

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  fail(key: string | null, detail: string): never {
    throw new ModelConfigError(this.file, key === null ? (this.prefix.replace(/\.$/, '') || null) : this.prefix + key, detail);
  }

  private value<T>(key: string, fallback: T | undefined, check: Check): T {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(key, `is required (expected ${check(undefined)})`);
      return fallback;
    }
    const expected = check(v);
    if (expected !== undefined) this.fail(key, `expected ${expected}, got ${describe(v)}`);
    return v as T;
  }

  /** A positive integer (sizes, counts). */
  int(key: string, fallback?: number): number {
    return this.value(key, fallback, checks.positiveInt);
  }

  /** A finite number. */
  number(key: string, fallback?: number): number {
    return this.value(key, fallback, checks.number);
  }

  /** A finite number > 0 (epsilons, factors, RoPE bases). */
  positive(key: string, fallback?: number): number {
    const v = this.number(key, fallback);
    if (!(v > 0)) this.fail(key, `expected a number > 0, got ${v}`);
    return v;
  }

  bool(key: string, fallback?: boolean): boolean {
    return this.value(key, fallback, checks.bool);
  }

  string(key: string, fallback?: string): string {
    return this.value(key, fallback, checks.string);
  }

  /** A positive integer, or null when absent or null. */
  optionalInt(key: string): number | null {
    return this.has(key) ? this.int(key) : null;
  }

  /** A nested object as its own field reader (null when absent or null). */
  object(key: string): ConfigFields | null {
    if (!this.has(key)) return null;
    const v = this.raw[key];
    if (typeof v !== 'object' || Array.isArray(v)) this.fail(key, `expected an object, got ${describe(v)}`);
    return new ConfigFields(v as RawConfig, this.file, `${this.prefix}${key}.`);
  }

  /** A token id or a list of them (`eos_token_id` may be either), or null. */
  tokenIds(key: string): number | readonly number[] | null {
    const v = this.raw[key];
    if (v === undefined || v === null) return null;
    const isId = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
    if (isId(v)) return v as number;
    if (Array.isArray(v) && v.every(isId)) return v as number[];
    this.fail(key, `expected a token id or a list of token ids, got ${describe(v)}`);
  }

  /** A single token id, or null. */
  tokenId(key: string): number | null {
    const v = this.tokenIds(key);
    if (Array.isArray(v)) this.fail(key, 'expected a single token id, got a list');
    return v as number | null;
  }
}
