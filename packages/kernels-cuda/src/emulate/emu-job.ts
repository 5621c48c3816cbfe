import { DTYPE_INFO, type DType, HostTensor, type Feeds, numel } from '@tunekit/core';
import type { KernelPlan, PlanBuffer } from '../plan/kernel-plan.types.js';

/** dtype codes the runtime's host gemm understands (0 f32, 1 f16, 2 bf16); other dtypes never reach a gemm. */
const DTYPE_CODE: Record<DType, number> = { f32: 0, f16: 1, bf16: 2, i64: 9, i32: 9, u8: 9, i8: 9, bool: 9 };

class Writer {
  private readonly chunks: Buffer[] = [];
  u8(v: number): void { this.chunks.push(Buffer.from([v])); }
  u32(v: number): void { const b = Buffer.alloc(4); b.writeUInt32LE(v); this.chunks.push(b); }
  i32(v: number): void { const b = Buffer.alloc(4); b.writeInt32LE(v); this.chunks.push(b); }
  i64(v: bigint): void { const b = Buffer.alloc(8); b.writeBigInt64LE(v); this.chunks.push(b); }
  f32(v: number): void { const b = Buffer.alloc(4); b.writeFloatLE(v); this.chunks.push(b); }
  bytes(v: Uint8Array): void { this.chunks.push(Buffer.from(v.buffer, v.byteOffset, v.byteLength)); }
  done(): Buffer { return Buffer.concat(this.chunks); }
}

const bytesOf = (h: HostTensor): Uint8Array => new Uint8Array(h.data.buffer, h.data.byteOffset, h.data.byteLength);

/** The initial bytes of a buffer: a feed, a parameter's current value or a constant; none for temps. */
function initialBytes(b: PlanBuffer, feeds: Feeds): Uint8Array | null {
  if (b.role === 'const') return b.data!;
  if (b.role === 'param') return bytesOf(b.param!.value);
  if (b.role !== 'input') return null;
  const feed = feeds[b.inputName!];
  if (!feed) throw new Error(`CUDA emulator: missing feed for input "${b.inputName}" (${b.dtype}[${b.shape.join(', ')}])`);
  if (feed.dtype !== b.dtype || feed.shape.join() !== b.shape.join()) {
    throw new Error(`CUDA emulator: input "${b.inputName}" expects ${b.dtype}[${b.shape.join(', ')}], got ${feed.dtype}[${feed.shape.join(', ')}]`);
  }
  return bytesOf(feed);
}

/** A plan and its feeds as the runtime's binary job file. */
export function encodeJob(plan: KernelPlan, feeds: Feeds): Buffer {
  const w = new Writer();
  w.u32(plan.buffers.length);
  for (const b of plan.buffers) {
    const init = b.aliasOf === undefined ? initialBytes(b, feeds) : null;
    w.i32(DTYPE_CODE[b.dtype]);
    w.i64(BigInt(b.bytes));
    w.i32(b.aliasOf ?? -1);
    w.u8(init ? 1 : 0);
    if (init) w.bytes(init);
  }
  w.u32(plan.steps.length);
  for (const s of plan.steps) {
    if (s.kind === 'kernel') {
      w.u8(0);
      w.u32(Buffer.byteLength(s.entry));
      w.bytes(Buffer.from(s.entry));
      [...s.grid, ...s.block].forEach((v) => w.u32(v));
      w.u32(s.args.length);
      for (const a of s.args) {
        const tags = { buffer: 0, i32: 1, i64: 2, f32: 3 } as const;
        w.u8(tags[a.kind]);
        if (a.kind === 'buffer') w.i32(a.buffer);
        else if (a.kind === 'i32') w.i32(a.value);
        else if (a.kind === 'i64') w.i64(a.value);
        else w.f32(a.value);
      }
    } else {
      w.u8(1);
      [s.a, s.b, s.c].forEach((v) => w.i32(v));
      [s.m, s.n, s.k, s.batch].forEach((v) => w.i64(BigInt(v)));
      w.u8(s.transA ? 1 : 0);
      w.u8(s.transB ? 1 : 0);
      [s.strideA, s.strideB, s.strideC].forEach((v) => w.i64(BigInt(v)));
      w.f32(s.alpha);
      w.f32(s.beta);
    }
  }
  w.u32(plan.outputs.length);
  plan.outputs.forEach((o) => w.i32(o));
  return w.done();
}

/** The runtime's output file split back into host tensors, one per plan output. */
export function decodeOutputs(plan: KernelPlan, bytes: Buffer): HostTensor[] {
  let at = 0;
  return plan.outputs.map((id) => {
    const b = plan.buffers[id];
    const storage = DTYPE_INFO[b.dtype].alloc(numel(b.shape));
    new Uint8Array(storage.buffer).set(bytes.subarray(at, at + b.bytes));
    at += b.bytes;
    return new HostTensor(b.dtype, b.shape, storage);
  });
}
