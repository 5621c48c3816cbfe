import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Qwen3TestTokenizer } from '../testing/qwen3-tokenizer.test-support.js';
import { TempDir, jsonl } from '../testing/temp-files.test-support.js';
import { loadPreferenceDataset } from './preference-dataset.js';
import { describePreferenceData, preferenceDataWarnings } from './preference-summary.js';
import type { TokenizedPair, TokenizedUnpaired } from './preference.types.js';

// Qwen3's special tokens and newlines (tokenizer.json: added_tokens, and the vocab's "Ċ" and "ĊĊ").
const [IM_START, IM_END, THINK, END_THINK, NL, NL2] = [151644, 151645, 151667, 151668, 198, 271];

const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => ({ role: 'assistant', content });

/** Row r of a [N, T] tensor. */
const row = (data: ArrayLike<number | bigint>, t: number, r: number): number[] => Array.from({ length: t }, (_, i) => Number(data[r * t + i]));

describe('loadPreferenceDataset with the real Qwen3 tokenizer and chat template', () => {
  let tokenizer: Qwen3TestTokenizer;
  let dir: TempDir;
  beforeAll(async () => {
    tokenizer = await Qwen3TestTokenizer.load();
    dir = await TempDir.create();
  });
  afterAll(() => dir.remove());

  it('puts chosen rows first and rejected rows after, sharing the prompt tokens, with completion and attention masks and the margin', async () => {
    const path = await dir.write('text.jsonl', jsonl([{ prompt: 'The sky is', chosen: ' blue.', rejected: ' a deep shade of red.', margin: 2 }, { chosen: 'Grass is green.', rejected: 'Grass is pink.', margin: 0.5 }]));
    const data = await loadPreferenceDataset({ path, shuffle: false, pad_to_multiple_of: 4 }, tokenizer);
    expect(data.stats).toMatchObject({ rows: 2, format: 'preference', trainExamples: 2, promptsTruncated: 0, dropped: 0 });
    const batch = data.train.batcher(2).batchAt(0, 0);
    const { input_ids: ids, attention_mask: mask, completion_mask: completion, margin } = batch.tensors;
    const t = ids.shape[1];
    expect(ids.shape).toEqual([4, t]);
    expect(t % 4).toBe(0);
    expect([...margin!.data]).toEqual([2, 0.5]);
    expect(batch.sources).toEqual([{ file: path, line: 1 }, { file: path, line: 2 }]);
    const pieces = (r: number) => {
      const tokens = row(ids.data, t, r);
      const real = row(mask.data, t, r);
      const scored = row(completion.data, t, r);
      const pick = (keep: (i: number) => boolean) => tokenizer.decode(tokens.filter((_, i) => keep(i)));
      return { prompt: pick((i) => real[i] === 1 && scored[i] === 0), completion: pick((i) => scored[i] === 1), pad: tokens.filter((_, i) => real[i] === 0) };
    };
    expect(pieces(0)).toMatchObject({ prompt: 'The sky is', completion: ' blue.<|im_end|>' });
    expect(pieces(2)).toMatchObject({ prompt: 'The sky is', completion: ' a deep shade of red.<|im_end|>' });
    // The implicit prompt: "Grass is" shared, the space kept with each completion.
    expect(pieces(1)).toMatchObject({ prompt: 'Grass is', completion: ' green.<|im_end|>' });
    expect(pieces(3)).toMatchObject({ prompt: 'Grass is', completion: ' pink.<|im_end|>' });
    // Padding on the right, with the pad id; the prompt's ids are the same in both rows of a pair.
    expect(pieces(0).pad.every((id) => id === tokenizer.padTokenId)).toBe(true);
    expect(row(mask.data, t, 0).indexOf(0)).toBeGreaterThan(0);
    expect(row(ids.data, t, 0).slice(0, 3)).toEqual(row(ids.data, t, 2).slice(0, 3));
    expect(describePreferenceData(data)).toBe('2 rows read: 2 training pairs (preference)');
  });

  it('applies the chat template to conversational rows: the prompt with its generation prompt, each answer through the "\\n" after <|im_end|>', async () => {
    const record = { prompt: [user('Colour of the sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Green.')] };
    const path = await dir.write('chat.jsonl', jsonl([record]));
    const data = await loadPreferenceDataset({ path, chat_template_kwargs: { enable_thinking: false } }, tokenizer);
    const [pair] = data.train.examples as readonly TokenizedPair[];
    // Qwen3's ids: "user\nColour of the sky?", "assistant\n", "<think>\n\n</think>\n\n", "Blue.", "Green.".
    const prompt = [IM_START, 872, 198, 33281, 315, 279, 12884, 30, IM_END, NL, IM_START, 77091, 198, THINK, NL2, END_THINK, NL2];
    expect([...pair.prompt]).toEqual(prompt);
    expect([...pair.chosen]).toEqual([10331, 13, IM_END, NL]);
    expect([...pair.rejected]).toEqual([19576, 13, IM_END, NL]);
    // Prompt then answer are the ids of the whole rendered conversation, as TRL tokenizes it.
    const whole = tokenizer.applyChatTemplate([...record.prompt, ...record.chosen] as never, { extra: { enable_thinking: false } });
    expect([...pair.prompt, ...pair.chosen]).toEqual(tokenizer.encode(whole, { addSpecialTokens: false }));
    expect(data.stats.promptMismatches).toBe(0);
  });

  it('lays rows out for the trainer: DPO\'s prompt and completions, or the reward model\'s whole rows; counts and warns of prompts that are not their start', async () => {
    // An implicit text prompt cut inside a word: "Grass is gr" + "een." / "ay.".
    const path = await dir.write('split-word.jsonl', jsonl([{ chosen: 'Grass is green.', rejected: 'Grass is gray.' }, { prompt: 'The sky is', chosen: ' blue.', rejected: ' red.' }]));
    const dpo = await loadPreferenceDataset({ path, shuffle: false }, tokenizer);
    const reward = await loadPreferenceDataset({ path, shuffle: false }, tokenizer, { rows: 'whole' });
    const ids = (x: TokenizedPair) => [[...x.prompt], [...x.chosen], [...x.rejected]];
    const [dpoSplit, dpoSky] = (dpo.train.examples as readonly TokenizedPair[]).map(ids);
    const [rewardSplit, rewardSky] = (reward.train.examples as readonly TokenizedPair[]).map(ids);
    expect(dpoSplit).toEqual([[6464, 395, 374, 1081], [13, IM_END], [13, IM_END]]);
    expect(rewardSplit).toEqual([[6464, 395, 374], [6176, 13, IM_END], [17545, 13, IM_END]]);
    expect(dpoSky).toEqual([[785, 12884, 374], [6303, 13, IM_END], [2518, 13, IM_END]]);
    expect(rewardSky).toEqual(dpoSky);
    expect(dpo.stats.promptMismatches).toBe(1);
    expect(preferenceDataWarnings(dpo)).toEqual([
      "1 example: the prompt's tokens are not the start of prompt + completion tokenized whole (a template or tokenizer that renders them differently); the completion starts at the prompt's length, as TRL does",
    ]);
    expect(reward.stats.promptMismatches).toBe(0);
    expect(preferenceDataWarnings(reward)).toEqual([]);
    await expect(loadPreferenceDataset({ path }, tokenizer, { rows: 'split' as never })).rejects.toThrow('loadPreferenceDataset: rows must be one of prompt_completion, whole, got "split"');
  });

  it('truncates the new ids: keep_end cuts the prompt\'s start and keeps the "\\n" after <|im_end|>, keep_start cuts the completions\' ends', async () => {
    const path = await dir.write('chat-long.jsonl', jsonl([{ prompt: [user('Colour of the sky?')], chosen: [assistant('Blue.')], rejected: [assistant('Green.')] }]));
    const kwargs = { chat_template_kwargs: { enable_thinking: false } };
    // 17 prompt tokens and 4 per answer: 21 fit in 21; in 15 the prompt keeps its last 11, in 19 (keep_start) the answers their first 2.
    const end = await loadPreferenceDataset({ path, max_length: 15, ...kwargs }, tokenizer);
    const [cutEnd] = end.train.examples as readonly TokenizedPair[];
    expect([...cutEnd.prompt]).toEqual([12884, 30, IM_END, NL, IM_START, 77091, 198, THINK, NL2, END_THINK, NL2]);
    expect([...cutEnd.chosen]).toEqual([10331, 13, IM_END, NL]);
    expect(end.stats).toMatchObject({ promptsTruncated: 1, completionsTruncated: 0, dropped: 0 });
    const start = await loadPreferenceDataset({ path, max_length: 19, ...kwargs }, tokenizer, { truncation: { truncationMode: 'keep_start' } });
    const [cutStart] = start.train.examples as readonly TokenizedPair[];
    expect([[...cutStart.chosen], [...cutStart.rejected]]).toEqual([[10331, 13], [19576, 13]]);
    expect(start.stats).toMatchObject({ promptsTruncated: 0, completionsTruncated: 1, dropped: 0 });
    const fits = await loadPreferenceDataset({ path, max_length: 21, ...kwargs }, tokenizer);
    expect(fits.stats).toMatchObject({ promptsTruncated: 0, completionsTruncated: 0, dropped: 0 });
  });

  it('truncates as TRL does and reports it; drops and counts the pairs that still do not fit', async () => {
    const long = 'one two three four five six seven eight nine ten eleven twelve';
    const path = await dir.write('long.jsonl', jsonl([{ prompt: long, chosen: ' yes', rejected: ' no' }, { prompt: 'Q', chosen: ` ${long} ${long}`, rejected: ' no' }, { prompt: 'Q', chosen: ' yes', rejected: ' no' }]));
    const data = await loadPreferenceDataset({ path, max_length: 12 }, tokenizer, { truncation: { maxPromptLength: 6 } });
    expect(data.stats).toMatchObject({ rows: 3, trainExamples: 2, promptsTruncated: 1, completionsTruncated: 0, dropped: 1 });
    expect((data.train.examples[0] as { prompt: Int32Array }).prompt.length).toBe(6);
    expect(describePreferenceData(data)).toBe('3 rows read: 2 training pairs (preference), 1 prompts truncated (keep_end, max_prompt_length 6), 1 dropped, too long for max_length 12');
  });

  it('names the file, line and field of a bad row, or skips and counts it under skip_bad_rows', async () => {
    const path = await dir.write('bad.jsonl', jsonl([{ prompt: 'Q', chosen: ' A', rejected: ' B' }, { prompt: 'Q', chosen: ' A', rejected: 7 }, { prompt: 'Q', chosen: ' C', rejected: ' D', margin: 1 }]));
    await expect(loadPreferenceDataset({ path }, tokenizer)).rejects.toThrow(`${path}:2: rejected: expected a string or a list of messages, got 7`);
    const skipped = await loadPreferenceDataset({ path, skip_bad_rows: true }, tokenizer);
    expect(skipped.stats).toMatchObject({ rows: 3, skipped: 2, trainExamples: 1 });
    expect(skipped.stats.badRowSamples).toEqual([`${path}:2: rejected: expected a string or a list of messages, got 7`, `${path}:3: margin: unexpected: the first rows have no margin, so none is used`]);
  });

  it('counts lines that are not UTF-8 and warns naming the first, or refuses them under strict_utf8', async () => {
    const latin1 = Buffer.from(`${JSON.stringify({ prompt: 'caf\xe9?', chosen: ' oui', rejected: ' non' })}\n`, 'latin1');
    const path = await dir.write('latin1.jsonl', Buffer.concat([Buffer.from(jsonl([{ prompt: 'Q', chosen: ' A', rejected: ' B' }])), latin1]));
    const lenient = await loadPreferenceDataset({ path }, tokenizer);
    expect(lenient.stats).toMatchObject({ rows: 2, trainExamples: 2, invalidUtf8Lines: 1, firstInvalidUtf8: `${path}:2` });
    expect(preferenceDataWarnings(lenient)).toEqual([`1 line of the data hold bytes that are not UTF-8, read as U+FFFD (first: ${path}:2); set data.strict_utf8: true to refuse them`]);
    await expect(loadPreferenceDataset({ path, strict_utf8: true }, tokenizer)).rejects.toThrow(`${path}:2: bytes that are not UTF-8 (1 line of the file); convert it to UTF-8, or drop data.strict_utf8 to read them as U+FFFD`);
  });

  it('refuses SFT settings that would change what a preference run learns, naming the key', async () => {
    const path = await dir.write('one.jsonl', jsonl([{ prompt: 'Q', chosen: ' A', rejected: ' B' }]));
    await expect(loadPreferenceDataset({ path, packing: true }, tokenizer)).rejects.toThrow('dataset.packing: true is not supported for preference data');
    await expect(loadPreferenceDataset({ path, format: 'alpaca' }, tokenizer)).rejects.toThrow('dataset.format: "alpaca" is not a preference format');
  });

  it('batches unpaired rows (KTO) with labels and the KL half: prompt i with the completion of row i - 1', async () => {
    const rows = [
      { prompt: 'A:', completion: ' one', label: true },
      { prompt: 'B:', completion: ' two two', label: false },
      { prompt: 'C:', completion: ' three three three', label: true },
    ];
    const path = await dir.write('kto.jsonl', jsonl(rows));
    const data = await loadPreferenceDataset({ path, shuffle: false }, tokenizer);
    expect(data.stats.format).toBe('unpaired_preference');
    const { tensors } = data.train.batcher(3).batchAt(0, 0);
    expect([...tensors.label.data]).toEqual([1, 0, 1]);
    const t = tensors.input_ids.shape[1];
    expect(tensors.kl_input_ids.shape).toEqual([3, t]);
    const text = (ids: ArrayLike<bigint>, mask: ArrayLike<number>, r: number) => tokenizer.decode(row(ids as never, t, r).filter((_, i) => row(mask, t, r)[i] === 1));
    expect([0, 1, 2].map((r) => text(tensors.input_ids.data as never, tensors.attention_mask.data as never, r))).toEqual(['A: one<|im_end|>', 'B: two two<|im_end|>', 'C: three three three<|im_end|>']);
    expect([0, 1, 2].map((r) => text(tensors.kl_input_ids.data as never, tensors.kl_attention_mask.data as never, r))).toEqual([
      'A: three three three<|im_end|>',
      'B: one<|im_end|>',
      'C: two two<|im_end|>',
    ]);
    expect(row(tensors.kl_completion_mask.data, t, 1).reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('tokenizes unpaired rows (KTO) as TRL\'s KTOTrainer: a conversation through the "\\n" after <|im_end|>, text with one eos', async () => {
    const chat = await dir.write('kto-chat.jsonl', jsonl([{ prompt: [user('Colour of the sky?')], completion: [assistant('Blue.')], label: true }]));
    const [conversation] = (await loadPreferenceDataset({ path: chat, chat_template_kwargs: { enable_thinking: false } }, tokenizer)).train.examples as readonly TokenizedUnpaired[];
    expect([...conversation.prompt].slice(-4)).toEqual([THINK, NL2, END_THINK, NL2]);
    expect([...conversation.completion]).toEqual([10331, 13, IM_END, NL]);
    const text = await dir.write('kto-text.jsonl', jsonl([{ prompt: 'The sky is', completion: ' blue.<|im_end|>', label: false }, { prompt: 'The sky is', completion: ' red.', label: true }]));
    const examples = (await loadPreferenceDataset({ path: text, shuffle: false }, tokenizer)).train.examples as readonly TokenizedUnpaired[];
    expect(examples.map((x) => [[...x.prompt], [...x.completion]])).toEqual([
      [[785, 12884, 374], [6303, 13, IM_END]],
      [[785, 12884, 374], [2518, 13, IM_END]],
    ]);
  });

  it('gives the same batch for the same (epoch, index) from a fresh loader: resume is exact, epochs differ', async () => {
    const path = await dir.write('many.jsonl', jsonl(Array.from({ length: 12 }, (_, i) => ({ prompt: `Q${i}`, chosen: ' yes', rejected: ' no' }))));
    const load = async () => (await loadPreferenceDataset({ path, seed: 3, validation_split: 0.25 }, tokenizer)).train.batcher(3);
    const [a, b] = [await load(), await load()];
    expect(a.numBatches()).toBe(3);
    expect(a.batchAt(1, 2).sources).toEqual(b.batchAt(1, 2).sources);
    const epoch = (e: number) => [0, 1, 2].flatMap((i) => a.batchAt(e, i).sources.map((s) => s.line));
    expect(epoch(0)).not.toEqual(epoch(1));
    expect([...epoch(0)].sort((x, y) => x - y)).toEqual([...epoch(1)].sort((x, y) => x - y));
  });
});
