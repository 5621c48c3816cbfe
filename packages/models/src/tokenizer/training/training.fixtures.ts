/**
 * Strings that trip tokenizers up: emoji with joiners and modifiers, CJK, combining marks, every
 * kind of whitespace (runs, tabs, CR/LF, NBSP, NEL, ideographic space), control characters, the
 * BOM, noncharacters and U+FFFD, right-to-left text, digits of several scripts.
 */
export const TRICKY_TEXTS: readonly string[] = [
  '',
  'Hello, world!',
  "spaces before punctuation , . ! ? and ' s , n't",
  "I'LL say it's 12345 o'clock, don't  you think?",
  '👩‍👩‍👧‍👦 👍🏽 🇯🇵 ❤️ 🏳️‍🌈',
  '東京タワーは333メートルです。한국어 텍스트。',
  'e\u0301 n\u0303 Å Å ﬁ',
  '   leading and trailing   ',
  'tabs\tand\t\ttabs\n\n\nnewlines\r\nCRLF\rCR',
  '\u00a0nbsp\u0085nel\u2028ls\u3000ideographic space\u200bzwsp',
  '\u0000\u0001\u0002\u0007\u001b[31mred\u001b[0m\u007f',
  '\ufeffBOM inside\ufeff',
  '\ufffd\uffff\ufffe \u{10ffff} \u{e000}',
  'שלום עולם مرحبا بالعالم',
  '١٢٣ ४५६ 7⁸9 ½',
  'x'.repeat(300),
  ' '.repeat(50) + '\n'.repeat(20),
  'function f(x) {\n    return x ** 2; // square\n}\n',
];

/** A seeded string over an alphabet, for property tests. */
export function randomText(seed: number, alphabet: readonly string[], length: number): string {
  let s = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out += alphabet[(s >>> 16) % alphabet.length];
  }
  return out;
}

/** Characters that decide pre-token boundaries: spaces, line breaks, letters, digits, marks, emoji. */
export const BOUNDARY_ALPHABET: readonly string[] = [' ', ' ', ' ', '\n', '\r', '\t', '\u00a0', '\u0085', 'a', 'B', "'", 's', '1', '2', '!', '.', 'é', '東', '😀', '\ufeff'];
