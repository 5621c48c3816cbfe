/**
 * Counts the pre-tokens (words) of a corpus: BPE learns from these counts, never from the text
 * again, so a corpus of any size costs memory in proportion to its distinct words only.
 */
export class WordCounter {
  readonly counts = new Map<string, number>();
  /** Pre-tokens seen, repeats included. */
  preTokens = 0;
  private readonly specialTokens: readonly string[];

  /**
   * `pattern` is a global RegExp whose matches cover every character (both built-in patterns do:
   * any character is a letter, a digit, whitespace or "other"), so matching is splitting.
   */
  constructor(
    private readonly pattern: RegExp,
    specialTokens: readonly string[] = [],
  ) {
    // Longest first, so a special token that contains another is cut out whole.
    this.specialTokens = [...specialTokens].filter((t) => t !== '').sort((a, b) => b.length - a.length);
  }

  /**
   * Counts the words of one piece of text. Special tokens are cut out first and not counted, as
   * encoding cuts them out before pre-tokenizing: the text on either side is split separately.
   */
  add(text: string): void {
    const special = this.specialTokens.find((t) => text.includes(t));
    if (special === undefined) {
      this.addPlain(text);
      return;
    }
    for (const part of text.split(special)) this.add(part);
  }

  private addPlain(text: string): void {
    const words = text.match(this.pattern);
    if (words === null) return;
    const counts = this.counts;
    for (const word of words) {
      const n = counts.get(word);
      counts.set(n === undefined ? detach(word) : word, (n ?? 0) + 1);
    }
    this.preTokens += words.length;
  }
}

/**
 * A copy of `s` that does not point into the chunk it was matched from. V8 represents substrings of
 * 13 or more characters as views of their parent, so keeping one as a map key would keep the whole
 * multi-megabyte chunk alive; flattening a concatenation makes a string of its own.
 */
const detach = (s: string): string => (s.length < 13 ? s : (' ' + s).slice(1));
