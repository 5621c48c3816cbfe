import type { Example } from '../formats/format.types.js';
import { tokenizeChat, type ChatTokenizeOptions } from './chat-masking.js';
import type { ChatTokenizer } from './chat-tokenizer.js';
import { tokenizeCompletion, tokenizeText } from './completion.js';
import type { TokenizedExample } from './tokenized-example.js';

type Tokenizers = {
  [K in Example['kind']]: (example: Extract<Example, { kind: K }>, tokenizer: ChatTokenizer, options: ChatTokenizeOptions) => TokenizedExample;
};

const BY_KIND: Tokenizers = {
  chat: (e, t, o) => tokenizeChat(e.messages, t, o),
  completion: (e, t, o) => tokenizeCompletion(e.prompt, e.completion, t, o.trainOnInputs),
  text: (e, t) => tokenizeText(e.text, t),
};

export function tokenizeExample(example: Example, tokenizer: ChatTokenizer, options: ChatTokenizeOptions = {}): TokenizedExample {
  return (BY_KIND[example.kind] as (e: Example, t: ChatTokenizer, o: ChatTokenizeOptions) => TokenizedExample)(example, tokenizer, options);
}
