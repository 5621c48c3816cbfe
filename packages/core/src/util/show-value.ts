/**
 * A value from an input file as an error message shows it: its JSON when that is short and
 * shallow, else a cut version, at most `maxLength` characters. JSON.stringify alone would recurse
 * as deep as the input goes (a crafted file nests 50,000 arrays and overflows the stack) and echo
 * a megabyte string whole into a one-line message.
 */
export function showValue(value: unknown, maxLength = 200): string {
  const text = shallow(value, 0) ? (JSON.stringify(value) ?? String(value)) : render(value, 0);
  return text.length > maxLength ? `${text.slice(0, maxLength - 3)}...` : text;
}

const MAX_DEPTH = 3;
const MAX_ITEMS = 32;

/** Whether JSON.stringify can render it cheaply: nesting and width bounded, strings short. */
function shallow(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length <= 1_000;
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_DEPTH) return false;
  const items = Array.isArray(value) ? value : Object.values(value);
  return items.length <= MAX_ITEMS && items.every((v) => shallow(v, depth + 1));
}

function render(value: unknown, depth: number): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  const array = Array.isArray(value);
  const entries: unknown[] = array ? value : Object.entries(value);
  if (depth >= MAX_DEPTH) return array ? '[...]' : '{...}';
  const shown = entries.slice(0, 8).map((e) => (array ? render(e, depth + 1) : `${JSON.stringify((e as [string, unknown])[0])}:${render((e as [string, unknown])[1], depth + 1)}`));
  if (entries.length > 8) shown.push('...');
  return array ? `[${shown.join(',')}]` : `{${shown.join(',')}}`;
}

/** Longest detail an input-file error carries: whatever a message quotes, it stays one readable line. */
export const MAX_DETAIL = 500;

/** `text` cut to `MAX_DETAIL` characters: the last guard for messages that quote input values. */
export const clipDetail = (text: string): string => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 3)}...` : text);

/** Whether a parsed value nests deeper than `limit` (looked at no deeper than that): recursion over input stays bounded. */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (limit === 0) return true;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => nestsDeeperThan(v, limit - 1));
}
