import type { TaskTokenizer } from '@tunekit/core';
import { encodeConversation } from '@tunekit/data';

/**
 * The ids a chat template prints after an assistant turn's end-of-turn token (ChatML: the "\n"
 * after `<|im_end|>`), read from a rendered two-turn conversation. `task: reward` trains on whole
 * rendered conversations, so its score head learns to read that last token; a sampled response
 * ends at the end-of-turn token itself.
 */
export function turnEndIds(tokenizer: TaskTokenizer, owner: string): number[] {
  const eos = tokenizer.eosTokenId;
  if (eos === null || eos === undefined) throw new Error(`${owner}: the tokenizer has no eos token, so the end of an assistant turn cannot be found`);
  const ids = encodeConversation([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], tokenizer);
  const end = ids.lastIndexOf(eos);
  if (end < 0) throw new Error(`${owner}: the chat template does not end an assistant turn with the eos token (id ${eos})`);
  return ids.slice(end + 1);
}
