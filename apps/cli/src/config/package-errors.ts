/** A package parser's complaint about one key of a section. */
export interface KeyedProblem {
  readonly key: string;
  readonly detail: string;
}

/**
 * How each package's config parser names the key it rejects. The CLI delegates a section's checks
 * to the package that owns it, and reads the key back out of the message to point at its line.
 * One row per phrasing; the spec feeds each package a bad value, so a rephrased message fails it.
 */
const PHRASINGS: readonly { readonly pattern: RegExp; readonly detail: (m: RegExpExecArray) => string }[] = [
  // @tunekit/data: "dataset.max_length: expected a positive integer, got 0"
  { pattern: /^dataset\.(\w+): (.*)$/s, detail: (m) => m[2] },
  // @tunekit/peft-lora: `lora config: unknown option "rank" (did you mean "r"?)`
  { pattern: /^[\w-]+ config: unknown option "(\w+)"(.*)$/s, detail: (m) => `unknown key${m[2]}` },
  // @tunekit/peft-lora: "lora config: r: expected a positive integer, got 0"
  { pattern: /^[\w-]+ config: (\w+): (.*)$/s, detail: (m) => m[2] },
  // @tunekit/core: "invalid training arguments:\n  learning_rate must be a number >= 0, got ..." (the first problem)
  { pattern: /^invalid training arguments:\s+(\w+) ([^\n]*)/, detail: (m) => m[2] },
];

export function keyedProblem(message: string): KeyedProblem | null {
  for (const { pattern, detail } of PHRASINGS) {
    const m = pattern.exec(message);
    if (m) return { key: m[1], detail: detail(m) };
  }
  return null;
}
