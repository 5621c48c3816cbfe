import type { ChatMessage } from './chat-tokenizer.js';

/** Characters [start, end) of the rendered conversation. */
export interface CharSpan {
  readonly start: number;
  readonly end: number;
}

export type RenderChat = (messages: readonly ChatMessage[], addGenerationPrompt: boolean) => string;

/**
 * Finds each assistant turn in `full` (the whole conversation rendered) using nothing but the
 * template itself, so it works without `{% generation %}` markers:
 *
 * - the turn starts where the conversation before it, rendered with the generation prompt, ends:
 *   everything after that is what the model must generate at inference;
 * - it ends where the conversation up to and including it, rendered, ends, provided the template
 *   renders that prefix the same way inside the full conversation.
 *
 * Some templates render a turn differently once later turns follow (Qwen3 adds an empty
 * `<think></think>` block only to assistant turns after the last user message). For those the end
 * is the first `stopText` (end-of-turn token) after the turn's content.
 *
 * Either way the span ends just after its last `stopText`: what a template prints after the
 * end-of-turn token (Qwen's trailing newline) is never generated, so it is not trained.
 */
export function assistantSpans(messages: readonly ChatMessage[], full: string, render: RenderChat, stopText: string | undefined): CharSpan[] {
  const spans: CharSpan[] = [];
  let previousEnd = 0;
  messages.forEach((message, i) => {
    if (message.role !== 'assistant') return;
    const prompt = render(messages.slice(0, i), true);
    if (!full.startsWith(prompt) || prompt.length < previousEnd) {
      throw new Error(`messages[${i}]: the chat template's generation prompt for this turn is not a prefix of the rendered conversation, so its span cannot be found`);
    }
    const start = prompt.length;
    const withTurn = render(messages.slice(0, i + 1), false);
    const end = withTurn.startsWith(prompt) && full.startsWith(withTurn) ? withTurn.length : endInContext(full, start, message.content, stopText, i);
    spans.push({ start, end: trimAfterStop(full, start, end, stopText) });
    previousEnd = end;
  });
  return spans;
}

function endInContext(full: string, start: number, content: string, stopText: string | undefined, i: number): number {
  if (stopText === undefined) {
    throw new Error(`messages[${i}]: the chat template renders this assistant turn differently inside the conversation, and without an eos token its end cannot be found`);
  }
  // Templates may strip or wrap content, so look for its trimmed text, then the stop after it.
  const key = content.trim();
  const at = key === '' ? -1 : full.indexOf(key, start);
  const stop = full.indexOf(stopText, at < 0 ? start : at + key.length);
  if (stop < 0) throw new Error(`messages[${i}]: no ${JSON.stringify(stopText)} closes this assistant turn in the rendered conversation`);
  return stop + stopText.length;
}

function trimAfterStop(full: string, start: number, end: number, stopText: string | undefined): number {
  if (stopText === undefined) return end;
  const last = full.lastIndexOf(stopText, end - stopText.length);
  return last >= start ? last + stopText.length : end;
}
