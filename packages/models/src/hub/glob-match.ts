/**
 * Python's `fnmatch`, which huggingface_hub's `allow_patterns` use: `*` matches any run of
 * characters including `/`, `?` one character, `[abc]`/`[!abc]` a set. A pattern ending in `/`
 * means everything under that folder, as in huggingface_hub's `filter_repo_objects`.
 */
const TRANSLATIONS: readonly [RegExp, (m: string) => string][] = [
  [/^\*/, () => '.*'],
  [/^\?/, () => '.'],
  [/^\[!?\]?[^\]]*\]/, (m) => `[${m[1] === '!' ? '^' : ''}${m.slice(m[1] === '!' ? 2 : 1, -1).replace(/\\/g, '\\\\')}]`],
  [/^[\s\S]/, (m) => m.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')],
];

export function globToRegExp(pattern: string): RegExp {
  let rest = pattern.endsWith('/') ? `${pattern}*` : pattern;
  let source = '';
  while (rest.length > 0) {
    for (const [token, translate] of TRANSLATIONS) {
      const m = token.exec(rest);
      if (m !== null) {
        source += translate(m[0]);
        rest = rest.slice(m[0].length);
        break;
      }
    }
  }
  return new RegExp(`^${source}$`, 's');
}

export const isGlob = (pattern: string): boolean => /[*?[]/.test(pattern) || pattern.endsWith('/');

export const matchesAny = (path: string, patterns: readonly RegExp[]): boolean => patterns.some((p) => p.test(path));
