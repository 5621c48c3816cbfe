import type { LibraryHandle } from 'koffi';

export type KoffiFunction = ReturnType<LibraryHandle['func']>;

/** Binds a table of C prototypes: `{ init: 'int cuInit(unsigned int flags)' }` → `{ init: fn }`. */
export function bind<T extends Record<string, string>>(lib: LibraryHandle, prototypes: T): Record<keyof T, KoffiFunction> {
  return Object.fromEntries(Object.entries(prototypes).map(([k, proto]) => [k, lib.func(proto)])) as Record<keyof T, KoffiFunction>;
}

/** koffi returns 64-bit integers as a Number when exact and a BigInt otherwise; addresses are always BigInt here. */
export const toBigInt = (v: number | bigint): bigint => (typeof v === 'bigint' ? v : BigInt(v));

/** A one-element out-parameter slot: the C side writes a pointer or a 64-bit value into it. */
export const slot64 = (): BigUint64Array => new BigUint64Array(1);
export const slot32 = (): Int32Array => new Int32Array(1);
