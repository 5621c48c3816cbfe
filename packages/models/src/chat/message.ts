/**
 * A chat message as chat templates read it. Field names are snake_case on purpose: templates
 * written for transformers look them up by exactly these names (`message.tool_calls`,
 * `message.reasoning_content`), so renaming them would silently hide data from the template.
 */
export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

export const MESSAGE_ROLES: readonly MessageRole[] = ['system', 'user', 'assistant', 'tool'];

/** OpenAI-style tool call, the shape transformers' templates (Qwen, Llama 3.1, Mistral) expect. */
export interface ToolCall {
  id?: string;
  type?: 'function';
  function: {
    name: string;
    /** Templates accept both: Qwen3 prints a string as is and runs anything else through `tojson`. */
    arguments: string | Record<string, unknown>;
  };
}

export interface Message {
  role: MessageRole;
  content: string;
  tool_calls?: readonly ToolCall[];
  /** Chain of thought kept apart from `content` (Qwen3, DeepSeek-R1): Qwen3 wraps it in `<think>`. */
  reasoning_content?: string;
  /** The same idea under the name other templates use (gpt-oss, some Llama fine-tunes). */
  thinking?: string;
  /** Which call a `tool` message answers. */
  tool_call_id?: string;
  /** Tool name on `tool` messages, for templates that print it. */
  name?: string;
}

/** A tool's JSON schema as passed to `tools` (transformers' `get_json_schema` format). */
export type ToolDefinition = Readonly<Record<string, unknown>>;

const OPTIONAL_STRING_FIELDS = ['reasoning_content', 'thinking', 'tool_call_id', 'name'] as const;

/**
 * Checks messages that came from data (JSONL, user config) rather than typed code, so a bad record
 * fails with its index and field instead of rendering a silently wrong prompt.
 */
export function assertMessages(messages: unknown, where: string): asserts messages is Message[] {
  if (!Array.isArray(messages)) throw new TypeError(`${where}: messages must be an array, got ${typeof messages}`);
  messages.forEach((m: unknown, i) => {
    const at = `${where}: messages[${i}]`;
    if (typeof m !== 'object' || m === null) throw new TypeError(`${at} must be an object`);
    const record = m as Record<string, unknown>;
    if (!MESSAGE_ROLES.includes(record.role as MessageRole)) {
      throw new TypeError(`${at}.role must be one of ${MESSAGE_ROLES.join('|')}, got ${JSON.stringify(record.role)}`);
    }
    if (typeof record.content !== 'string') {
      throw new TypeError(`${at}.content must be a string, got ${typeof record.content}`);
    }
    for (const field of OPTIONAL_STRING_FIELDS) {
      if (record[field] !== undefined && typeof record[field] !== 'string') {
        throw new TypeError(`${at}.${field} must be a string when present, got ${typeof record[field]}`);
      }
    }
    if (record.tool_calls !== undefined && !Array.isArray(record.tool_calls)) {
      throw new TypeError(`${at}.tool_calls must be an array when present`);
    }
  });
}
