/**
 * Deterministic, varied text for tokenizer benches: prose over a Zipf-distributed invented
 * lexicon (with contractions, numbers, quotes), indented code, Cyrillic, Greek, CJK and kana,
 * emoji with joiners and skin tones, URLs, markdown tables and JSON lines. Varied enough that
 * the pre-tokenizer meets every branch of its regex and BPE sees a realistic count of distinct words.
 */

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same text everywhere. */
class Prng {
  constructor(private state: number) {}

  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** An index in [0, n) drawn roughly as Zipf's law: rank r with probability ∝ 1/r. */
  zipf(n: number): number {
    return Math.min(n - 1, Math.floor(Math.exp(this.next() * Math.log(n + 1))) - 1);
  }
}

const ONSETS = ['', 'b', 'c', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w', 'st', 'tr', 'ch', 'sh', 'th', 'pl', 'gr', 'br'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ea', 'ou', 'ai', 'ie', 'é', 'ü', 'ø', 'å'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'nd', 'ng', 'ck', 'st', 'rt', 'x', 'ñ'];
const CYRILLIC = 'абвгдежзиклмнопрстуфхцчшщыэюя';
const GREEK = 'αβγδεζηθικλμνξοπρστυφχψω';
const KANA = 'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん';
const EMOJI = ['😀', '🎉', '👍🏽', '👩‍💻', '🇫🇷', '❤️', '🚀', '🤖', '🧪', '👨‍👩‍👧‍👦', '🌍', '✨'];
const CODE_WORDS = ['const', 'let', 'return', 'if', 'else', 'for', 'await', 'async', 'function', 'new', 'this', 'null', 'true', 'false'];
const CONTRACTIONS = ["'s", "n't", "'re", "'ll", "'ve", "'d", "'m"];

function syllableWord(rng: Prng): string {
  let w = '';
  for (let i = 1 + rng.int(3); i > 0; i--) w += rng.pick(ONSETS) + rng.pick(VOWELS) + rng.pick(CODAS);
  return w;
}

const fromAlphabet = (rng: Prng, alphabet: string, min: number, max: number): string =>
  Array.from({ length: min + rng.int(max - min + 1) }, () => alphabet[rng.int(alphabet.length)]).join('');

const cjk = (rng: Prng, n: number): string => Array.from({ length: n }, () => String.fromCodePoint(0x4e00 + rng.zipf(3000))).join('');

/** Paragraph makers, each a kind of text a real corpus mixes in, with how often it appears (out of 100). */
type Maker = (rng: Prng, lexicon: readonly string[]) => string;

const prose: Maker = (rng, lexicon) => {
  const sentences: string[] = [];
  for (let s = 2 + rng.int(5); s > 0; s--) {
    const words: string[] = [];
    for (let n = 4 + rng.int(18); n > 0; n--) {
      let w = lexicon[rng.zipf(lexicon.length)];
      const r = rng.next();
      if (r < 0.04) w += rng.pick(CONTRACTIONS);
      else if (r < 0.08) w = String(rng.int(r < 0.06 ? 2100 : 1_000_000));
      else if (r < 0.09) w = `${rng.int(100)}.${rng.int(100)}%`;
      else if (r < 0.1) w = `$${rng.int(1000)}.${String(rng.int(100)).padStart(2, '0')}`;
      else if (r < 0.12) w = `"${w}"`;
      else if (r < 0.13) w = `(${w})`;
      else if (r < 0.14) w = w.toUpperCase();
      words.push(w + (rng.next() < 0.08 ? ',' : ''));
    }
    words[0] = words[0].charAt(0).toUpperCase() + words[0].slice(1);
    sentences.push(words.join(' ') + rng.pick(['.', '.', '.', '?', '!', '...', ':']));
  }
  return sentences.join(rng.next() < 0.9 ? ' ' : '  ');
};

const code: Maker = (rng, lexicon) => {
  const lines: string[] = [];
  let depth = 0;
  for (let n = 3 + rng.int(12); n > 0; n--) {
    const name = `${lexicon[rng.zipf(lexicon.length)]}_${lexicon[rng.zipf(lexicon.length)]}`;
    const indent = rng.next() < 0.1 ? '\t'.repeat(depth) : '  '.repeat(depth);
    const r = rng.next();
    if (r < 0.3 && depth < 4) {
      lines.push(`${indent}${rng.pick(['if', 'for', 'while'])} (${name} <= ${rng.int(256)}) {`);
      depth++;
    } else if (r < 0.5 && depth > 0) {
      depth--;
      lines.push(`${'  '.repeat(depth)}}`);
    } else {
      lines.push(`${indent}${rng.pick(CODE_WORDS)} ${name} = ${name.split('_')[0]}(${rng.int(1000)}, "${lexicon[rng.zipf(lexicon.length)]}");`);
    }
  }
  while (depth-- > 0) lines.push(`${'  '.repeat(depth)}}`);
  return lines.join('\n');
};

const foreign: Maker = (rng) => {
  const r = rng.next();
  if (r < 0.35) return Array.from({ length: 5 + rng.int(15) }, () => fromAlphabet(rng, CYRILLIC, 2, 9)).join(' ') + '.';
  if (r < 0.5) return Array.from({ length: 5 + rng.int(12) }, () => fromAlphabet(rng, GREEK, 2, 8)).join(' ') + ';';
  if (r < 0.8) return `${cjk(rng, 8 + rng.int(30))}。${cjk(rng, 5 + rng.int(20))}，${cjk(rng, 4 + rng.int(10))}。`;
  return `${fromAlphabet(rng, KANA, 5, 20)}、${fromAlphabet(rng, KANA, 3, 15)}。`;
};

const web: Maker = (rng, lexicon) => {
  const word = () => lexicon[rng.zipf(lexicon.length)];
  const r = rng.next();
  if (r < 0.25) return `See https://${word()}.example.org/${word()}/${rng.int(99999)}?q=${word()}&page=${rng.int(50)} ${rng.pick(EMOJI)}${rng.pick(EMOJI)}`;
  if (r < 0.5) return `| ${word()} | ${rng.int(1000)} | ${word()} ${word()} |\n|---|---:|---|\n| ${word()} | ${rng.int(1000)} | ${rng.pick(EMOJI)} |`;
  if (r < 0.75) return JSON.stringify({ id: rng.int(1e6), name: word(), tags: [word(), `#${word()}`], ok: rng.next() < 0.5 });
  return `- ${word()} ${word()} ${rng.pick(EMOJI)}\n- ${word()}\n\t- ${word()}@${word()}.com`;
};

const MAKERS: readonly (readonly [Maker, number])[] = [
  [prose, 70],
  [code, 10],
  [foreign, 10],
  [web, 10],
];

/**
 * Yields paragraphs (separated by blank lines) until about `bytes` UTF-8 bytes have been made;
 * each yielded string is roughly `pieceBytes` long.
 */
export function* syntheticText(seed: number, bytes: number, pieceBytes = 1 << 20): Generator<string> {
  const rng = new Prng(seed);
  const lexicon = Array.from({ length: 40_000 }, () => syllableWord(rng));
  const weights = MAKERS.reduce((n, [, w]) => n + w, 0);
  let made = 0;
  while (made < bytes) {
    const parts: string[] = [];
    let size = 0;
    while (size < pieceBytes && made + size < bytes) {
      let r = rng.int(weights);
      const [make] = MAKERS.find(([, w]) => (r -= w) < 0)!;
      const paragraph = `${make(rng, lexicon)}\n\n`;
      parts.push(paragraph);
      size += Buffer.byteLength(paragraph);
    }
    made += size;
    yield parts.join('');
  }
}
