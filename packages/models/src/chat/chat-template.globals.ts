import { strftime } from './strftime.js';

/**
 * Thrown by `raise_exception` so the renderer can tell a template's deliberate rejection
 * ("Conversation roles must alternate...") from a bug in the template.
 */
export class TemplateRaised extends Error {}

/** Python's `range`, which templates use to walk messages by index. */
function range(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0) throw new Error('range() arg 3 must not be zero');
  const out: number[] = [];
  for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
  return out;
}

/**
 * Everything a template may call or read besides its context: the constants @huggingface/jinja
 * declares for itself, plus the two functions transformers adds to its sandbox. We declare them all
 * here because the library's `Template.render` refuses to let a context redefine its own
 * `raise_exception`, and we need ours to recognise deliberate rejections.
 */
export function chatTemplateGlobals(now: () => Date): Record<string, unknown> {
  return {
    true: true,
    false: false,
    none: null,
    True: true,
    False: false,
    None: null,
    range,
    raise_exception: (message: unknown): never => {
      throw new TemplateRaised(String(message));
    },
    strftime_now: (format: unknown): string => strftime(now(), String(format)),
  };
}
