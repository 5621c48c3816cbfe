import { describe, expect, it } from 'vitest';
import { ChatTemplate, renderChatTemplate } from './chat-template.renderer.js';
import { ChatTemplateError } from './chat-template.errors.js';
import type { Message } from './message.js';

// ChatML, as Qwen2 and many fine-tunes ship it.
const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const conversation: Message[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Hi' },
];

function errorOf(f: () => unknown): ChatTemplateError {
  try {
    f();
  } catch (e) {
    if (e instanceof ChatTemplateError) return e;
    throw e;
  }
  throw new Error('expected a ChatTemplateError');
}

describe('renderChatTemplate', () => {
  it('renders messages, and the generation prompt only when asked', () => {
    const body = '<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n';
    expect(renderChatTemplate(CHATML, { messages: conversation })).toBe(body);
    expect(renderChatTemplate(CHATML, { messages: conversation, add_generation_prompt: true })).toBe(
      `${body}<|im_start|>assistant\n`,
    );
  });

  it('strips block whitespace as transformers does (trim_blocks, lstrip_blocks)', () => {
    const template = '{% for m in messages %}\n    {{ m.content }}|\n{% endfor %}';
    expect(renderChatTemplate(template, { messages: conversation })).toBe('    Be brief.|\n    Hi|\n');
  });

  it('passes special tokens, tools and extra variables through', () => {
    const template =
      '{{ bos_token }}{% if enable_thinking is defined and enable_thinking is false %}no-think{% endif %}' +
      '{% for t in tools %}[{{ t.name }}]{% endfor %}';
    const out = renderChatTemplate(template, {
      messages: [],
      bos_token: '<s>',
      tools: [{ name: 'search' }, { name: 'calc' }],
      enable_thinking: false,
    });
    expect(out).toBe('<s>no-think[search][calc]');
  });

  it('provides Python range', () => {
    expect(renderChatTemplate('{% for i in range(1, 7, 2) %}{{ i }}{% endfor %}|{{ range(3) | length }}', { messages: [] })).toBe(
      '135|3',
    );
  });

  it('provides strftime_now with Python directives and English names, from the given clock', () => {
    const now = () => new Date(2024, 6, 26, 9, 5, 3);
    expect(renderChatTemplate('{{ strftime_now("%d %b %Y, %A %I:%M %p") }}', { messages: [] }, { now })).toBe(
      '26 Jul 2024, Friday 09:05 AM',
    );
  });

  it('reports raise_exception as the template rejecting the input, in its own words', () => {
    const template = "{% if messages[0].role != 'user' %}{{ raise_exception('First message must be from the user') }}{% endif %}";
    const e = errorOf(() => renderChatTemplate(template, { messages: conversation }, { source: 'demo/tokenizer_config.json#chat_template' }));
    expect(e.phase).toBe('raised');
    expect(e.detail).toBe('First message must be from the user');
    expect(e.message).toBe(
      'chat template demo/tokenizer_config.json#chat_template: the template rejected the input: First message must be from the user',
    );
  });

  it('reports a template that does not parse, naming its source', () => {
    const e = errorOf(() => new ChatTemplate('{% for m in messages %}{{ m.content }', 'broken.jinja'));
    expect(e.phase).toBe('parse');
    expect(e.message).toMatch(/^chat template broken\.jinja: cannot parse the template: /);
  });

  it('reports a template that fails while running', () => {
    const e = errorOf(() => renderChatTemplate('{{ no_such_function(1) }}', { messages: [] }, { source: 'x.jinja' }));
    expect(e.phase).toBe('render');
    expect(e.message).toMatch(/^chat template x\.jinja: failed while rendering: .*not a function/);
  });

  it('rejects a malformed message with its index and field before rendering', () => {
    const messages = [{ role: 'user', content: 'a' }, { role: 'bot', content: 'b' }] as unknown as Message[];
    expect(() => renderChatTemplate(CHATML, { messages }, { source: 't' })).toThrow(
      'chat template t: messages[1].role must be one of system|user|assistant|tool, got "bot"',
    );
    const noContent = [{ role: 'user' }] as unknown as Message[];
    expect(() => renderChatTemplate(CHATML, { messages: noContent })).toThrow(/messages\[0\]\.content must be a string/);
  });

  it('renders a parsed template many times with different contexts', () => {
    const template = new ChatTemplate(CHATML);
    expect(template.render({ messages: [{ role: 'user', content: 'a' }] })).toBe('<|im_start|>user\na<|im_end|>\n');
    expect(template.render({ messages: [{ role: 'user', content: 'b' }] })).toBe('<|im_start|>user\nb<|im_end|>\n');
  });
});
