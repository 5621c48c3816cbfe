import { clipDetail } from './show-value.js';
import { open, readFile } from 'node:fs/promises';

/** A JSON file that cannot be read or is not what was expected; the message starts with the file. */
export class JsonFileError extends Error {
  override readonly name = 'JsonFileError';

  constructor(
    readonly file: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${clipDetail(detail)}`, options);
  }
}

/**
 * JSON.parse's complaint on one line: V8 quotes the text around the fault, newlines included, and
 * errors from input files must stay one line.
 */
export const jsonSyntaxMessage = (err: unknown): string => (err as Error).message.replace(/\s*\n\s*/g, ' ');

/**
 * Reads a JSON object, the one reader every package uses. With `optional`, a missing file is null.
 * Any other problem (unreadable, invalid JSON, not an object) is a `JsonFileError` naming the file.
 */
export async function readJsonObject(path: string, opts: { optional: true }): Promise<Record<string, unknown> | null>;
export async function readJsonObject(path: string, opts?: { optional?: false }): Promise<Record<string, unknown>>;
export async function readJsonObject(path: string, opts: { optional?: boolean } = {}): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (opts.optional && (err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new JsonFileError(path, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new JsonFileError(path, `invalid JSON: ${jsonSyntaxMessage(err)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new JsonFileError(path, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Writes JSON as transformers does (2-space indent, trailing newline) and fsyncs it, so the rename
 * of the folder it is staged in publishes complete bytes.
 * Not atomic by itself: the outermost caller stages the folder (`writeDirAtomically`).
 */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  const handle = await open(path, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
