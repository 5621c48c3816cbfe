import { BYTE_TO_CHAR } from '../byte-level-bpe.js';

/**
 * The 256 byte characters in vocabulary order: sorted by code point, so printable bytes come first
 * and stand for themselves, then the others from U+0100. This is GPT-2's order and the order the
 * Hugging Face trainer gives its initial alphabet.
 */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);

const encoder = new TextEncoder();

/** Writes the UTF-8 bytes of `word` into `out` from `at` and returns how many it wrote. */
export function encodeUtf8(word: string, out: Uint8Array, at: number): number {
  return encoder.encodeInto(word, out.subarray(at)).written;
}

/** `word` in the byte-level alphabet, as tokenizer.json's vocabulary and merges spell tokens. */
export const toByteChars = (word: string): string => Array.from(encoder.encode(word), (b) => BYTE_TO_CHAR[b]).join('');
