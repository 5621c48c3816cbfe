/** Where a chat template failed: its text would not parse, it failed while running, or it called `raise_exception` itself. */
export type ChatTemplatePhase = 'parse' | 'render' | 'raised';

const PHASE_WORDS: Readonly<Record<ChatTemplatePhase, string>> = {
  parse: 'cannot parse the template',
  render: 'failed while rendering',
  raised: 'the template rejected the input',
};

/**
 * Every chat template failure. The message starts with where the template came from (a file and
 * field, or a template name) because a model folder can hold several templates.
 */
export class ChatTemplateError extends Error {
  override readonly name = 'ChatTemplateError';

  constructor(
    /** Where the template came from, e.g. `Qwen3/tokenizer_config.json#chat_template`. */
    readonly source: string,
    readonly phase: ChatTemplatePhase,
    /** The underlying message (for `raised`, the template's own words). */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`chat template ${source}: ${PHASE_WORDS[phase]}: ${detail}`, options);
  }
}
