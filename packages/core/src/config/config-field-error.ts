/** A key path inside one config object: `['lora', 'r']`, `['rope_scaling', 'factor']`. */
export type KeyPath = readonly string[];

/** One thing wrong with one key. */
export interface ConfigProblem {
  /** Where the key sits, relative to the object the parser was given. */
  readonly path: KeyPath;
  /** What is wrong, without the key: `expected a positive integer, got 0`, `unknown key (did you mean "r"?)`. */
  readonly detail: string;
  /** Set for a key the parser does not know: the closest known name, if one is near enough. */
  readonly unknown?: { readonly hint: string | null };
}

/** `where: a.b: detail`, one line per problem: the message unless a parser phrases its own. */
export const problemLine = (where: string, p: ConfigProblem): string => `${where}: ${p.path.join('.')}: ${p.detail}`;

/**
 * The phrasing of option dicts (PEFT's, transformers' quantization configs):
 * `lora config: unknown option "lora_alpah" (did you mean "lora_alpha"?)` (or `; expected one of ...` when no key is close),
 * `where: key: detail`, or `where: detail` for the whole config.
 */
export function optionLine(where: string, p: ConfigProblem): string {
  // The kit's detail starts `unknown key`; the rest (a did-you-mean, or the known keys) follows the option's name.
  if (p.unknown) return `${where}: unknown option "${p.path.join('.')}"${p.detail.replace(/^unknown key/, '')}`;
  return p.path.length ? problemLine(where, p) : `${where}: ${p.detail}`;
}

/**
 * The one error every config parser throws (TuneKit's packages subclass it to keep their names).
 * It carries each problem's key path, so a caller that knows where keys were written (the CLI's
 * YAML positions) points at `file:line` without reading the message.
 */
export class ConfigFieldError extends Error {
  override name = 'ConfigFieldError';
  /** The first problem's key path and detail (most errors have one problem). */
  readonly path: KeyPath;
  readonly detail: string;

  constructor(
    /** What was being parsed: `lora config`, `dir/config.json`, `quantization_config`. */
    readonly where: string,
    readonly problems: readonly ConfigProblem[],
    message = problems.map((p) => problemLine(where, p)).join('\n'),
  ) {
    super(message);
    if (problems.length === 0) throw new Error('ConfigFieldError needs at least one problem');
    this.path = problems[0].path;
    this.detail = problems[0].detail;
  }
}
