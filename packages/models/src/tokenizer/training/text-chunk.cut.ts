/**
 * Where a long text may be cut into chunks that pre-tokenize exactly as the whole text does, for
 * both built-in patterns (gpt2, llama3):
 *
 *  - before a space that follows a non-space ("word| next"): no pattern matches a non-space
 *    followed by a space, so a piece always ends there, and no lookahead reaches past it;
 *  - after a newline between two non-spaces ("end.\n|Next"): the newline is a piece of its own,
 *    or the end of llama3's "punctuation then newlines" piece, in the whole text and in the chunk.
 *
 * A newline after other whitespace is not a safe cut: GPT-2's `\s+(?!\S)` would join "  \n" at
 * the end of a chunk, but split it as "  " and "\n" when a word follows.
 */

const isWhiteSpace = (ch: string): boolean => WHITE_SPACE.test(ch);
const WHITE_SPACE = /^\p{White_Space}$/u;

/** How far back from the end a cut is looked for before the caller takes more text instead. */
const SEARCH_LIMIT = 1 << 16;

/** The last safe cut in `text` (an index strictly inside it), or 0 when the tail has none. */
export function lastSafeCut(text: string): number {
  const stop = Math.max(1, text.length - SEARCH_LIMIT);
  for (let i = text.length - 1; i >= stop; i--) {
    const ch = text[i];
    if (ch === ' ' && !isWhiteSpace(text[i - 1])) return i;
    if (i >= 2 && text[i - 1] === '\n' && !isWhiteSpace(ch) && !isWhiteSpace(text[i - 2])) return i;
  }
  return 0;
}

/**
 * A cut for text with no safe one (a long run without spaces): anywhere that does not split a
 * surrogate pair. Pre-tokens at this one point may differ from the whole text's; it only happens
 * once per `SEARCH_LIMIT` characters of space-free text, where a chunk must end somewhere.
 */
export function forcedCut(text: string): number {
  const i = text.length - 1;
  const code = text.charCodeAt(i);
  return code >= 0xd800 && code <= 0xdbff ? i : text.length;
}
