import type { ChatTokenizer } from './chat-tokenizer.js';
import { IGNORE_INDEX, type TokenizedExample } from './tokenized-example.js';

const withEos = (ids: number[], tokenizer: ChatTokenizer): number[] => (tokenizer.eosTokenId == null ? ids : [...ids, tokenizer.eosTokenId]);

/**
 * Prompt, then completion and eos. The two are tokenized apart: that is how the model meets them at
 * inference (it generates after the prompt's last token), and it makes the boundary exact.
 * Only the completion and eos are trained unless `trainOnInputs`.
 */
export function tokenizeCompletion(prompt: string, completion: string, tokenizer: ChatTokenizer, trainOnInputs = false): TokenizedExample {
  const promptIds = tokenizer.encode(prompt, { addSpecialTokens: true });
  const completionIds = withEos(tokenizer.encode(completion, { addSpecialTokens: false }), tokenizer);
  const inputIds = Int32Array.from([...promptIds, ...completionIds]);
  const labels = inputIds.slice();
  if (!trainOnInputs) labels.fill(IGNORE_INDEX, 0, promptIds.length);
  return { inputIds, labels };
}

/** Plain text: every token trained, eos appended so documents end visibly when packed together. */
export function tokenizeText(text: string, tokenizer: ChatTokenizer): TokenizedExample {
  const inputIds = Int32Array.from(withEos(tokenizer.encode(text, { addSpecialTokens: true }), tokenizer));
  return { inputIds, labels: inputIds.slice() };
}
