/**
 * Python's `datetime.strftime` for the directives chat templates use (Llama 3.x prints
 * `strftime_now("%d %b %Y")` into its system prompt). Python formats in the C locale, so names are
 * English whatever the host locale is; @huggingface/jinja's own version follows the host locale and
 * knows only eight directives, which is why we supply this one.
 */
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
];

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  // Whole days between two local midnights; rounding absorbs a DST hour.
  return Math.round((new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime() - start.getTime()) / 86_400_000) + 1;
}

const DIRECTIVES: Readonly<Record<string, (d: Date) => string>> = {
  a: (d) => DAYS[d.getDay()].slice(0, 3),
  A: (d) => DAYS[d.getDay()],
  w: (d) => String(d.getDay()),
  d: (d) => pad(d.getDate()),
  // glibc extension Python passes through on Linux: day of month, space padded.
  e: (d) => String(d.getDate()).padStart(2, ' '),
  b: (d) => MONTHS[d.getMonth()].slice(0, 3),
  B: (d) => MONTHS[d.getMonth()],
  m: (d) => pad(d.getMonth() + 1),
  y: (d) => pad(d.getFullYear() % 100),
  Y: (d) => String(d.getFullYear()),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 === 0 ? 12 : d.getHours() % 12),
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  j: (d) => pad(dayOfYear(d), 3),
  '%': () => '%',
};

/** Formats `date` in local time, as Python's `datetime.now().strftime(format)` does. Unknown directives stay as written, as glibc leaves them. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(.)/gs, (whole, directive: string) => DIRECTIVES[directive]?.(date) ?? whole);
}
