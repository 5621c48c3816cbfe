import { endianness } from 'node:os';
import type { DType } from '../dtype.js';
import { SafetensorsError } from './safetensors.errors.js';

/**
 * Bytes per element of every dtype string the reference (Rust) implementation knows that has a
 * whole-byte element. Files holding dtypes we cannot turn into a HostTensor (F64, U32, ...) must
 * still open, so callers can list them and read the tensors they do support.
 * Sub-byte dtypes (F4, F6_*) are absent on purpose: their byte lengths are not numel * size.
 */
export const SAFETENSORS_DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  C64: 8,
  F64: 8,
  I64: 8,
  U64: 8,
} as const satisfies Record<string, number>;

export type SafetensorsDType = keyof typeof SAFETENSORS_DTYPE_BYTES;

export const isSafetensorsDType = (s: string): s is SafetensorsDType => Object.hasOwn(SAFETENSORS_DTYPE_BYTES, s);

/** Our storage dtypes as they are spelled in a safetensors header. */
export const DTYPE_TO_SAFETENSORS: Record<DType, SafetensorsDType> = {
  f32: 'F32',
  f16: 'F16',
  bf16: 'BF16',
  i64: 'I64',
  i32: 'I32',
  u8: 'U8',
  i8: 'I8',
  bool: 'BOOL',
};

const SAFETENSORS_TO_DTYPE: Partial<Record<SafetensorsDType, DType>> = Object.fromEntries(
  Object.entries(DTYPE_TO_SAFETENSORS).map(([ours, theirs]) => [theirs, ours]),
);

/** The HostTensor dtype for a header dtype, or undefined when HostTensor cannot hold it. */
export const toDType = (s: SafetensorsDType): DType | undefined => SAFETENSORS_TO_DTYPE[s];

/**
 * Writer order rank: the position of each dtype in the Rust `Dtype` enum, which is declared in
 * increasing alignment. The reference writer sorts by this rank descending, then by name, so
 * every tensor starts at a multiple of its element size; using the same rank makes our files
 * byte-identical to `safetensors.save_file` for the same tensors.
 */
export const WRITE_RANK: Record<DType, number> = {
  bool: 0,
  u8: 1,
  i8: 2,
  f16: 3,
  bf16: 4,
  i32: 5,
  f32: 6,
  i64: 7,
};

/**
 * Safetensors data is little-endian and we move it between disk and typed arrays without
 * swapping bytes, which is only correct on a little-endian host (x86, arm64 in practice).
 */
export function assertLittleEndian(file: string): void {
  if (endianness() !== 'LE') {
    throw new SafetensorsError(file, 'big-endian hosts are not supported (safetensors data is little-endian)');
  }
}
