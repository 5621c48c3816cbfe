import { createRequire } from 'node:module';
import type { KernelArg } from '../plan/kernel-plan.types.js';

const require = createRequire(import.meta.url);

/** How each kind of argument is written into its 8-byte slot (little-endian, as the device reads it). */
const WRITE: { [K in KernelArg['kind']]: (view: DataView, at: number, arg: Extract<KernelArg, { kind: K }>, address: (buffer: number) => bigint) => void } = {
  buffer: (v, at, a, address) => v.setBigUint64(at, address(a.buffer), true),
  i32: (v, at, a) => v.setInt32(at, a.value, true),
  i64: (v, at, a) => v.setBigInt64(at, a.value, true),
  f32: (v, at, a) => v.setFloat32(at, a.value, true),
};

/**
 * cuLaunchKernel's `void **kernelParams`: one pointer per parameter, each to that parameter's value.
 * The values sit in `values` (one 8-byte slot each, every scalar and pointer type fits); `pointers`
 * holds their addresses. Both must stay referenced until the launch call returns, as the driver
 * copies the values at launch.
 */
export interface PackedArgs {
  readonly values: Buffer;
  readonly pointers: BigUint64Array;
}

export function packKernelArgs(args: readonly KernelArg[], address: (buffer: number) => bigint): PackedArgs {
  const values = Buffer.alloc(Math.max(8, args.length * 8));
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  args.forEach((arg, i) => (WRITE[arg.kind] as (v: DataView, at: number, a: KernelArg, address: (b: number) => bigint) => void)(view, i * 8, arg, address));
  const base = (require('koffi') as typeof import('koffi')).address(values);
  return { values, pointers: BigUint64Array.from(args, (_, i) => base + BigInt(i * 8)) };
}
