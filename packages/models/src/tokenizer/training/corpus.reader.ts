import { type FileHandle, open, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { CorpusError } from './corpus.errors.js';
import { forcedCut, lastSafeCut } from './text-chunk.cut.js';

export type CorpusFormat = 'text' | 'jsonl';

export interface CorpusFile {
  readonly path: string;
  /** What errors print; the path when absent. */
  readonly displayName?: string;
  /** Read from the extension when absent (see `corpusFormatOf`). */
  readonly format?: CorpusFormat;
}

export interface ReadCorpusOptions {
  /** The JSONL field holding each record's text (default "text"). */
  readonly textField?: string;
  /** Called with the bytes of each chunk read, for progress. */
  readonly onBytes?: (bytes: number) => void;
  readonly chunkBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 4 << 20;
/** Text without a safe cut is taken whole up to this many characters, then cut anyway (see forcedCut). */
const MAX_PENDING_CHARS = 64 << 20;

/** Formats by extension; `null` marks formats a user may try that we do not read. Anything else is plain text. */
const FORMATS_BY_EXTENSION: Readonly<Record<string, CorpusFormat | null>> = {
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': null,
  '.parquet': null,
  '.csv': null,
  '.gz': null,
  '.zst': null,
};

export function corpusFormatOf(path: string, displayName = path): CorpusFormat {
  const ext = extname(path).toLowerCase();
  const format = Object.hasOwn(FORMATS_BY_EXTENSION, ext) ? FORMATS_BY_EXTENSION[ext] : 'text';
  if (format === null) throw new CorpusError(displayName, `${ext} files are not supported; give plain text or JSON Lines (.jsonl)`);
  return format;
}

/** The size of each file in bytes, checking first that all exist, so a typo fails before hours of reading. */
export async function corpusSizes(files: readonly CorpusFile[]): Promise<number[]> {
  return Promise.all(
    files.map(async (f) => {
      const name = f.displayName ?? f.path;
      const info = await stat(f.path).catch((e: NodeJS.ErrnoException) => {
        throw new CorpusError(name, e.code === 'ENOENT' ? 'does not exist' : `cannot be read: ${e.message}`, undefined, { cause: e });
      });
      if (!info.isFile()) throw new CorpusError(name, 'is not a file');
      corpusFormatOf(f.path, name);
      return info.size;
    }),
  );
}

/** Decoded text of a file, one chunk at a time (a chunk may end inside a line or a character's bytes). */
async function* decodedChunks(file: CorpusFile, options: ReadCorpusOptions): AsyncGenerator<string> {
  const name = file.displayName ?? file.path;
  let handle: FileHandle;
  try {
    handle = await open(file.path, 'r');
  } catch (e) {
    throw new CorpusError(name, `cannot be opened: ${(e as Error).message}`, undefined, { cause: e });
  }
  try {
    // Invalid UTF-8 becomes U+FFFD, as in every reader of text; a leading BOM is dropped.
    const decoder = new TextDecoder('utf-8');
    const buffer = Buffer.allocUnsafe(options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      options.onBytes?.(bytesRead);
      yield decoder.decode(buffer.subarray(0, bytesRead), { stream: true });
    }
    const rest = decoder.decode();
    if (rest) yield rest;
  } finally {
    await handle.close();
  }
}

/** Plain text in chunks cut where pre-tokenization does not notice the cut (text-chunk.cut.ts). */
async function* textPieces(file: CorpusFile, options: ReadCorpusOptions): AsyncGenerator<string> {
  let pending = '';
  for await (const chunk of decodedChunks(file, options)) {
    pending += chunk;
    let cut = lastSafeCut(pending);
    if (cut === 0 && pending.length > MAX_PENDING_CHARS) cut = forcedCut(pending);
    if (cut === 0) continue;
    yield pending.slice(0, cut);
    pending = pending.slice(cut);
  }
  if (pending) yield pending;
}

/** JSON Lines: the text field of each record, one record at a time; blank lines are skipped. */
async function* jsonlTexts(file: CorpusFile, options: ReadCorpusOptions): AsyncGenerator<string> {
  const name = file.displayName ?? file.path;
  const field = options.textField ?? 'text';
  let pending = '';
  let line = 0;
  const textOf = (raw: string): string | undefined => {
    line++;
    if (raw.trim() === '') return undefined;
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (e) {
      throw new CorpusError(name, `is not valid JSON: ${(e as Error).message}`, line, { cause: e });
    }
    const text = typeof record === 'object' && record !== null ? (record as Record<string, unknown>)[field] : undefined;
    if (typeof text !== 'string') throw new CorpusError(name, `the record has no string field "${field}"`, line);
    return text;
  };
  for await (const chunk of decodedChunks(file, options)) {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const raw of lines) {
      const text = textOf(raw);
      if (text !== undefined) yield text;
    }
  }
  const text = textOf(pending);
  if (text !== undefined) yield text;
}

const READERS: Readonly<Record<CorpusFormat, (file: CorpusFile, options: ReadCorpusOptions) => AsyncGenerator<string>>> = {
  text: textPieces,
  jsonl: jsonlTexts,
};

/**
 * The texts of a corpus, streamed: each file on its own (no piece spans two files), memory held
 * to a chunk and the text after its last safe cut.
 */
export async function* readCorpus(files: readonly CorpusFile[], options: ReadCorpusOptions = {}): AsyncGenerator<string> {
  for (const file of files) {
    yield* READERS[file.format ?? corpusFormatOf(file.path, file.displayName)](file, options);
  }
}
