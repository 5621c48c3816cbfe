/** PEFT's rule: a list entry matches the whole name or its last dotted parts; a string is a full-match regex. */
export function matchesModules(name: string, spec: readonly string[] | string): boolean {
  if (typeof spec === 'string') return new RegExp(`^(?:${spec})$`).test(name);
  return spec.some((t) => name === t || name.endsWith(`.${t}`));
}

/** Output heads that 'all-linear' leaves alone, as PEFT does (GPT-NeoX's is `embed_out`). */
export const OUTPUT_HEADS: readonly string[] = ['lm_head', 'embed_out'];

export const isOutputHead = (name: string): boolean => OUTPUT_HEADS.some((h) => name === h || name.endsWith(`.${h}`));
