import type { ChatMessage, ChatTemplateOptions, ChatTokenizer } from './chat-tokenizer.js';

/**
 * A conversation as the model reads it: the chat template's text, encoded without the tokenizer's
 * special tokens, since the template prints its own (adding a BOS again would double it). It is
 * the ids of an SFT conversation (`tokenizeChat`; its masked path tokenizes the same text piece by
 * piece) and the one render of a reward model's conversational rows, in training (RewardTrainer,
 * and the prompt + completion of DPOTrainer/KTOTrainer) and in scoring (GRPOTrainer/RLOOTrainer
 * `_calculate_rewards`), both TRL 1.9: rendered whole, with no generation prompt, a row ends with
 * all the template prints after the last turn (ChatML's "\n" after `<|im_end|>`). With the
 * generation prompt it is a prompt as the policy reads it.
 */
export function encodeConversation(messages: readonly ChatMessage[], tokenizer: ChatTokenizer, template: ChatTemplateOptions = {}): number[] {
  return tokenizer.encode(tokenizer.applyChatTemplate(messages, template), { addSpecialTokens: false });
}
