import { beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { type TokenizedTurns, layoutRows, promptIsPrefix, tokenizeTurns } from './preference-tokenize.js';

// Qwen3's ids (tokenizer.json: added_tokens, and the vocab's "Ċ" and "ĊĊ"), put together by hand below.
const [BOS, IM_START, IM_END, THINK, END_THINK, NL, NL2] = [151643, 151644, 151645, 151667, 151668, 198, 271];
const USER_SKY = [872, 198, 45948, 30]; // "user\nSky?"
const ASSISTANT = [77091, 198]; // "assistant\n"
const [BLUE, RED] = [[10331, 13], [6033, 13]]; // "Blue.", "Red."

const user = (content: string) => ({ role: 'user' as const, content });
const assistant = (content: string) => ({ role: 'assistant' as const, content });
const lists = (t: { prompt: Int32Array; completions: Int32Array[] }) => ({ prompt: [...t.prompt], completions: t.completions.map((c) => [...c]) });
const whole = (t: TokenizedTurns) => t.sequences.map((s) => [...s]);

describe('tokenizeTurns: the ids TRL 1.9 gives DPO, KTO and reward rows (DPOTrainer/KTOTrainer/RewardTrainer._prepare_dataset)', () => {
  let qwen3: Qwen3TestTokenizer;
  beforeAll(async () => {
    qwen3 = await Qwen3TestTokenizer.load();
  });

  it('text: the eos token is appended to a completion unless it ends with it, and prompt + completion is tokenized whole', () => {
    const t = tokenizeTurns('The sky is', [' blue.', ' red.<|im_end|>'], qwen3);
    expect(lists(t)).toEqual({ prompt: [785, 12884, 374], completions: [[6303, 13, IM_END], [2518, 13, IM_END]] });
    expect(whole(t)).toEqual([[785, 12884, 374, 6303, 13, IM_END], [785, 12884, 374, 2518, 13, IM_END]]);
    expect(promptIsPrefix(t)).toBe(true);
    expect(lists(layoutRows(t, 'whole'))).toEqual(lists(t));
  });

  it('text: the tokenizer\'s special tokens (BOS) start the prompt and each whole sequence, once', async () => {
    const withBos = await Qwen3TestTokenizer.load({ bos: true });
    const t = tokenizeTurns('The sky is', [' blue.'], withBos);
    expect(lists(t)).toEqual({ prompt: [BOS, 785, 12884, 374], completions: [[6303, 13, IM_END]] });
    expect(whole(t)).toEqual([[BOS, 785, 12884, 374, 6303, 13, IM_END]]);
  });

  it('text: a prompt that ends inside a word (an implicit prompt) is cut at its own length, as DPO does; reward rows stay whole', () => {
    // "Grass is gr" + "een." / "ay.": " gr" (1081) is not the start of " green" (6176) or " gray" (17545).
    const t = tokenizeTurns('Grass is gr', ['een.', 'ay.'], qwen3);
    expect(whole(t)).toEqual([[6464, 395, 374, 6176, 13, IM_END], [6464, 395, 374, 17545, 13, IM_END]]);
    expect(lists(t)).toEqual({ prompt: [6464, 395, 374, 1081], completions: [[13, IM_END], [13, IM_END]] });
    expect(promptIsPrefix(t)).toBe(false);
    expect(lists(layoutRows(t, 'whole'))).toEqual({ prompt: [6464, 395, 374], completions: [[6176, 13, IM_END], [17545, 13, IM_END]] });
  });

  it('messages: the prompt with its generation prompt, each completion through the "\\n" the template prints after <|im_end|>', () => {
    const t = tokenizeTurns([user('Sky?')], [[assistant('Blue.')], [assistant('Red.')]], qwen3, { template: { extra: { enable_thinking: false } } });
    const prompt = [IM_START, ...USER_SKY, IM_END, NL, IM_START, ...ASSISTANT, THINK, NL2, END_THINK, NL2];
    expect(lists(t)).toEqual({ prompt, completions: [[...BLUE, IM_END, NL], [...RED, IM_END, NL]] });
    expect(whole(t)).toEqual([[...prompt, ...BLUE, IM_END, NL], [...prompt, ...RED, IM_END, NL]]);
    // Without enable_thinking the generation prompt stops at "assistant\n" and the last turn carries the empty think block.
    const thinking = tokenizeTurns([user('Sky?')], [[assistant('Blue.')]], qwen3);
    expect(lists(thinking)).toEqual({ prompt: [IM_START, ...USER_SKY, IM_END, NL, IM_START, ...ASSISTANT], completions: [[THINK, NL2, END_THINK, NL2, ...BLUE, IM_END, NL]] });
  });

  it('messages: where the generation prompt renders past the point the whole conversation differs, the completion starts at the prompt\'s length', async () => {
    // A DeepSeek-R1-like template: the generation prompt opens a think block that an assistant turn does not print.
    const chatTemplate =
      "{% for m in messages %}{{ '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n<think>\\n' }}{% endif %}";
    const tk = await Qwen3TestTokenizer.load({ chatTemplate });
    const t = tokenizeTurns([user('Sky?')], [[assistant('Blue.')]], tk);
    const shared = [IM_START, ...USER_SKY, IM_END, NL, IM_START, ...ASSISTANT];
    expect(whole(t)).toEqual([[...shared, ...BLUE, IM_END, NL]]);
    // TRL 1.9: prompt_ids as rendered alone, completion_ids = prompt_completion_ids[len(prompt_ids):], with a warning.
    expect(lists(t)).toEqual({ prompt: [...shared, THINK, NL], completions: [[IM_END, NL]] });
    expect(promptIsPrefix(t)).toBe(false);
    expect(lists(layoutRows(t, 'whole'))).toEqual({ prompt: shared, completions: [[...BLUE, IM_END, NL]] });
  });
});
