import { beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { encodeConversation } from '../tokenize/encode-conversation.js';
import { TEXT_ROWS, encodeTextRow } from './sequence-render.js';

// Qwen3's ids (tokenizer.json: added_tokens, the vocab's "Ċ"), put together by hand below; `<|endoftext|>` is the BOS of the `bos` variant.
const [BOS, IM_START, IM_END, THINK, END_THINK, NL, NL2] = [151643, 151644, 151645, 151667, 151668, 198, 271];
const USER_SKY = [872, 198, 45948, 30]; // "user\nSky?"
const ASSISTANT = [77091, 198]; // "assistant\n"
const BLUE = [10331, 13]; // "Blue."
const SKY_BLUE = [785, 12884, 374, 6303, 13]; // "The sky is blue."

describe('the two renders of a reward-model row (TRL 1.9 RewardTrainer for training, GRPOTrainer._calculate_rewards for scoring)', () => {
  let withBos: Qwen3TestTokenizer;
  beforeAll(async () => {
    withBos = await Qwen3TestTokenizer.load({ bos: true });
  });

  it('a conversation: the template text encoded without the tokenizer\'s BOS, whole through the "\\n" after the last <|im_end|>', () => {
    const messages = [
      { role: 'user' as const, content: 'Sky?' },
      { role: 'assistant' as const, content: 'Blue.' },
    ];
    // Qwen3's template prints an empty think block in the last assistant turn.
    expect(encodeConversation(messages, withBos)).toEqual([IM_START, ...USER_SKY, IM_END, NL, IM_START, ...ASSISTANT, THINK, NL2, END_THINK, NL2, ...BLUE, IM_END, NL]);
    expect(encodeConversation(messages.slice(0, 1), withBos, { addGenerationPrompt: true })).toEqual([IM_START, ...USER_SKY, IM_END, NL, IM_START, ...ASSISTANT]);
  });

  it('text: training appends the eos and adds the BOS; scoring takes prompt + completion as it is', () => {
    expect(encodeTextRow('The sky is', ' blue.', withBos, TEXT_ROWS.training)).toEqual([BOS, ...SKY_BLUE, IM_END]);
    expect(encodeTextRow('The sky is', ' blue.', withBos, TEXT_ROWS.scoring)).toEqual(SKY_BLUE);
    // A completion that already ends with the eos keeps one in training; scoring leaves it as written.
    expect(encodeTextRow('The sky is', ' blue.<|im_end|>', withBos, TEXT_ROWS.training)).toEqual([BOS, ...SKY_BLUE, IM_END]);
    expect(encodeTextRow('The sky is', ' blue.<|im_end|>', withBos, TEXT_ROWS.scoring)).toEqual([...SKY_BLUE, IM_END]);
  });
});
