/** Levenshtein distance, for did-you-mean hints on unknown keys. */
export function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The known name closest to `key`, when it is near enough to be a plausible typo (within a third of
 * the key's length, at least 2 edits); null otherwise. Every config parser uses this one rule.
 */
export function closestName(key: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const name of known) {
    const d = levenshtein(key.toLowerCase(), name);
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** ` (did you mean "r"?)`, or '' when no known name is close: the suffix every unknown-key message ends with. */
export function didYouMean(key: string, known: readonly string[], quote = '"'): string {
  const best = closestName(key, known);
  return best ? ` (did you mean ${quote}${best}${quote}?)` : '';
}
