import { Template } from '@huggingface/jinja';
import { beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { assistantSpans, type RenderChat } from './assistant-spans.js';
import { tokenizeChat } from './chat-masking.js';
import type { ChatMessage } from './chat-tokenizer.js';
import { encodeConversation } from './encode-conversation.js';
import { IGNORE_INDEX, type TokenizedExample } from './tokenized-example.js';

/** Decoded text of each run of trained tokens. */
function trainedTexts(example: TokenizedExample, tokenizer: Qwen3TestTokenizer): string[] {
  const runs: number[][] = [];
  example.labels.forEach((label, i) => {
    if (label === IGNORE_INDEX) return;
    expect(label).toBe(example.inputIds[i]);
    if (i === 0 || example.labels[i - 1] === IGNORE_INDEX) runs.push([]);
    runs[runs.length - 1].push(label);
  });
  return runs.map((ids) => tokenizer.decode(ids));
}

const conversation: ChatMessage[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Hi there' },
  { role: 'assistant', content: 'Hello! How can I help?' },
  { role: 'user', content: 'What is 2+2?' },
  { role: 'assistant', content: '4, of course.' },
];

describe('tokenizeChat with the real Qwen3 template', () => {
  let tokenizer: Qwen3TestTokenizer;
  beforeAll(async () => (tokenizer = await Qwen3TestTokenizer.load()));

  it('trains only the assistant turns, each through <|im_end|>, as assistant_only_loss does', () => {
    const example = tokenizeChat(conversation, tokenizer);
    // Qwen3 gives the final turn (after the last user message) an empty think block; the model
    // generates it after the generation prompt, so it is trained with the answer.
    expect(trainedTexts(example, tokenizer)).toEqual(['Hello! How can I help?<|im_end|>', '<think>\n\n</think>\n\n4, of course.<|im_end|>']);
    const untrained = tokenizer.decode([...example.inputIds].filter((_, i) => example.labels[i] === IGNORE_INDEX));
    expect(untrained).toBe(
      '<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n\n' +
        '<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n\n',
    );
  });

  it('tokenizing the pieces in order gives exactly the ids of the whole rendered text', () => {
    const full = tokenizer.applyChatTemplate(conversation);
    const example = tokenizeChat(conversation, tokenizer);
    expect([...example.inputIds]).toEqual(tokenizer.encode(full, { addSpecialTokens: false }));
    expect(tokenizer.decode([...example.inputIds])).toBe(full);
  });

  it('falls back to character offsets where piecewise tokenization would differ, keeping the canonical ids', () => {
    const messages: ChatMessage[] = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '\n\nBlank lines first.' },
      { role: 'user', content: 'And?' },
      { role: 'assistant', content: 'Done.' },
    ];
    // The premise: "\n" + "\n\n" tokenize apart differently from "\n\n\n" together.
    const prompt = '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n';
    expect([...tokenizer.encode(prompt, { addSpecialTokens: false }), ...tokenizer.encode('\n\nBlank', { addSpecialTokens: false })]).not.toEqual(
      tokenizer.encode(`${prompt}\n\nBlank`, { addSpecialTokens: false }),
    );
    const example = tokenizeChat(messages, tokenizer);
    expect([...example.inputIds]).toEqual(tokenizer.encode(tokenizer.applyChatTemplate(messages), { addSpecialTokens: false }));
    // The token holding the boundary newline together with the content's newlines is trained.
    expect(trainedTexts(example, tokenizer)).toEqual(['\n\n\nBlank lines first.<|im_end|>', '<think>\n\n</think>\n\nDone.<|im_end|>']);
  });

  it('trains on every token with trainOnInputs', () => {
    const example = tokenizeChat(conversation, tokenizer, { trainOnInputs: true });
    expect([...example.labels]).toEqual([...example.inputIds]);
    expect(tokenizer.decode([...example.labels])).toBe(tokenizer.applyChatTemplate(conversation));
  });

  it('passes template variables: enable_thinking=false puts the empty think block in the prompt, not the answer', () => {
    const example = tokenizeChat(conversation.slice(0, 3), tokenizer, { template: { extra: { enable_thinking: false } } });
    expect(trainedTexts(example, tokenizer)).toEqual(['Hello! How can I help?<|im_end|>']);
  });
});

describe('tokenizeChat and encodeConversation: one render of a conversation', () => {
  it('gives encodeConversation\'s ids with and without trainOnInputs, for a tokenizer that adds a BOS and with tools in the template', async () => {
    const withTools = { tools: [{ type: 'function', function: { name: 'colour_of', description: 'The colour of a thing.', parameters: { type: 'object', properties: { thing: { type: 'string' } } } } }] };
    for (const tokenizer of [await Qwen3TestTokenizer.load(), await Qwen3TestTokenizer.load({ bos: true })]) {
      // The premise: the tools change the render, so a path that dropped the template options would differ.
      expect(encodeConversation(conversation, tokenizer, withTools)).not.toEqual(encodeConversation(conversation, tokenizer));
      for (const template of [undefined, withTools]) {
        const ids = encodeConversation(conversation, tokenizer, template);
        const all = tokenizeChat(conversation, tokenizer, { template, trainOnInputs: true });
        expect([...all.inputIds]).toEqual(ids);
        expect([...all.labels]).toEqual(ids);
        expect([...tokenizeChat(conversation, tokenizer, { template }).inputIds]).toEqual(ids);
      }
    }
  });
});

describe('assistantSpans', () => {
  const chatml = new Template(
    "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  );
  const render: RenderChat = (messages, addGenerationPrompt) => chatml.render({ messages, add_generation_prompt: addGenerationPrompt });
  const messages: ChatMessage[] = [
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: 'A1' },
    { role: 'user', content: 'Q2' },
    { role: 'assistant', content: 'A2' },
  ];

  it('finds each turn from prefix renders of a prefix-stable template, ending after the stop text', () => {
    const full = render(messages, false);
    const spans = assistantSpans(messages, full, render, '<|im_end|>');
    expect(spans.map((s) => full.slice(s.start, s.end))).toEqual(['A1<|im_end|>', 'A2<|im_end|>']);
  });

  it('without a stop text keeps what the template adds after the turn', () => {
    const full = render(messages, false);
    expect(assistantSpans(messages, full, render, undefined).map((s) => full.slice(s.start, s.end))).toEqual(['A1<|im_end|>\n', 'A2<|im_end|>\n']);
  });

  it('refuses a template whose generation prompt is not what precedes the turn', () => {
    const odd: RenderChat = (msgs, gen) => render(msgs, false) + (gen ? '<|im_start|>model\n' : '');
    expect(() => assistantSpans(messages, odd(messages, false), odd, '<|im_end|>')).toThrow(
      "messages[1]: the chat template's generation prompt for this turn is not a prefix of the rendered conversation",
    );
  });
});
