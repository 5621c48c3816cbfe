import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { ChatTemplateError } from './chat-template.errors.js';
import { TemplateRaised, chatTemplateGlobals } from './chat-template.globals.js';
import { assertMessages, type Message, type ToolDefinition } from './message.js';

/**
 * The variables transformers' `apply_chat_template` passes to a template. Anything else a template
 * reads (`enable_thinking`, `date_string`, ...) goes in as an extra key.
 */
export interface ChatTemplateContext {
  messages: readonly Message[];
  /** End with the opening of an assistant turn, so a model continues from there. Defaults to false. */
  add_generation_prompt?: boolean;
  bos_token?: string;
  eos_token?: string;
  pad_token?: string;
  unk_token?: string;
  tools?: readonly ToolDefinition[];
  documents?: readonly Readonly<Record<string, unknown>>[];
  [variable: string]: unknown;
}

export interface ChatTemplateRenderOptions {
  /** The clock behind `strftime_now`; fixed in tests so a dated system prompt is reproducible. */
  now?: () => Date;
}

const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** A chat template parsed once and rendered many times (a dataset renders it once per record). */
export class ChatTemplate {
  private readonly program: Template['parsed'];

  constructor(
    readonly text: string,
    /** Named in every error: a file and field, or a template name. */
    readonly source = '<inline template>',
  ) {
    try {
      this.program = new Template(text).parsed;
    } catch (e) {
      throw new ChatTemplateError(source, 'parse', messageOf(e), { cause: e });
    }
  }

  render(context: ChatTemplateContext, options: ChatTemplateRenderOptions = {}): string {
    assertMessages(context.messages, `chat template ${this.source}`);
    const env = new Environment();
    const variables = { ...chatTemplateGlobals(options.now ?? (() => new Date())), add_generation_prompt: false, ...context };
    for (const [name, value] of Object.entries(variables)) env.set(name, value);
    try {
      return String(new Interpreter(env).run(this.program).value);
    } catch (e) {
      throw new ChatTemplateError(this.source, e instanceof TemplateRaised ? 'raised' : 'render', messageOf(e), { cause: e });
    }
  }
}

/**
 * Renders a Hugging Face chat template the way transformers does (`trim_blocks`, `lstrip_blocks`,
 * `raise_exception`, `strftime_now`). Parse once with `ChatTemplate` when rendering many times.
 */
export function renderChatTemplate(
  template: string,
  context: ChatTemplateContext,
  options: ChatTemplateRenderOptions & { source?: string } = {},
): string {
  return new ChatTemplate(template, options.source).render(context, options);
}
