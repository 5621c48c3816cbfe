import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GGML_TYPES, type GgmlTypeName, typeBytes } from '../quant/ggml-types.js';
import { GGUF_DEFAULT_ALIGNMENT } from './gguf.constants.js';
import { type GgufTensorInfo, alignUp, encodeHeader } from './gguf-header.js';
import { type GgufValue, u32 } from './gguf-value.js';

/** One tensor to write: its bytes are produced only when its turn comes, so one tensor is in memory at a time. */
export interface GgufTensorSource {
  readonly name: string;
  /** Innermost first: a [rows, cols] matrix is [cols, rows]. */
  readonly dims: readonly number[];
  readonly type: GgmlTypeName;
  /** The encoded bytes, exactly typeBytes(type, ∏dims) long. */
  encode(): Uint8Array | Promise<Uint8Array>;
}

export interface GgufFile {
  /** Key/value metadata in the order written; `general.alignment` is added. */
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly tensors: readonly GgufTensorSource[];
}

/** Where each tensor goes, known before any data is written since every size follows from dims and type. */
function layout(tensors: readonly GgufTensorSource[], alignment: number): GgufTensorInfo[] {
  let offset = 0;
  return tensors.map((t) => {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (t.dims[0]! % GGML_TYPES[t.type].block !== 0) throw new Error(`${t.name}: rows of ${t.dims[0]} weights do not split into ${t.type} blocks of ${GGML_TYPES[t.type].block}`);
    const info = { name: t.name, dims: t.dims, typeId: GGML_TYPES[t.type].id, offset };
    offset = alignUp(offset + typeBytes(t.type, count), alignment);
    return info;
  });
}

/**
 * Writes a GGUF v3 file tensor by tensor into a temporary sibling, then renames it to `path`: the
 * output is never held whole in memory, and `path` never names a half-written file.
 */
export async function writeGguf(path: string, file: GgufFile): Promise<void> {
  const alignment = GGUF_DEFAULT_ALIGNMENT;
  const metadata = new Map(file.metadata);
  metadata.set('general.alignment', u32(alignment));
  const names = new Set<string>();
  for (const t of file.tensors) {
    if (names.has(t.name)) throw new Error(`tensor ${t.name} is written twice`);
    names.add(t.name);
  }
  const infos = layout(file.tensors, alignment);
  const temp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const handle = await open(temp, 'wx');
  try {
    const header = encodeHeader(metadata, infos, alignment);
    await handle.write(header);
    let written = 0;
    for (const [i, t] of file.tensors.entries()) {
      const bytes = await t.encode();
      const expected = typeBytes(t.type, t.dims.reduce((a, b) => a * b, 1));
      if (bytes.length !== expected) throw new Error(`${t.name}: encoded ${bytes.length} bytes, expected ${expected}`);
      if (written !== infos[i]!.offset) throw new Error(`${t.name}: internal layout error`);
      await handle.write(bytes);
      written += bytes.length;
      const padded = alignUp(written, alignment);
      if (padded > written) await handle.write(Buffer.alloc(padded - written));
      written = padded;
    }
    await handle.sync();
    await handle.close();
    await rename(temp, path);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw err;
  }
}
