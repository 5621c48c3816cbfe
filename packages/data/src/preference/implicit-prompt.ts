import type { Turn } from './preference.types.js';

const same = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' ? a === b : JSON.stringify(a) === JSON.stringify(b);

/**
 * TRL 1.9's implicit prompt (`extract_prompt`): the longest shared prefix of chosen and rejected
 * is the prompt, characters of text or whole messages of a conversation. A space just before the
 * split stays with the completions, so " blue" and " red" keep their leading space. When one is a
 * prefix of the other, TRL's loop ends on the shorter one's last index, so that last character or
 * message stays a completion (neither answer is left empty).
 */
export function extractPrompt<T extends Turn>(chosen: T, rejected: T): { prompt: T; chosen: T; rejected: T } {
  const limit = Math.min(chosen.length, rejected.length);
  let at = 0;
  while (at < limit && same(chosen[at], rejected[at])) at++;
  if (at === limit) at = Math.max(0, limit - 1);
  else if (typeof chosen === 'string' && at > 0 && chosen[at - 1] === ' ') at--;
  const cut = (t: T, from: number, to?: number): T => t.slice(from, to) as T;
  return { prompt: cut(chosen, 0, at), chosen: cut(chosen, at), rejected: cut(rejected, at) };
}
