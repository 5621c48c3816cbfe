import { OrtExecutor } from '@tunekit/core';
import { type CausalLM, HfTokenizer, generate, loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace } from '../testing/cli.test-support.js';
import { type AccuracyItem, readAccuracyItems } from './accuracy-items.js';
import { ACCURACY_METRIC_RULES, formatPercent, taskAccuracy } from './task-accuracy.js';

describe('accuracy metrics', () => {
  it('exact_match compares trimmed text; contains looks for the trimmed reference', () => {
    expect(ACCURACY_METRIC_RULES.exact_match(' Paris\n', 'Paris ')).toBe(true);
    expect(ACCURACY_METRIC_RULES.exact_match('Paris.', 'Paris')).toBe(false);
    expect(ACCURACY_METRIC_RULES.contains('It is Paris.', ' Paris')).toBe(true);
    expect(ACCURACY_METRIC_RULES.contains('It is Rome.', 'Paris')).toBe(false);
    expect([formatPercent(1 / 32), formatPercent(7 / 8), formatPercent(0)]).toEqual(['3.1%', '87.5%', '0.0%']);
  });
});

describe('task accuracy', () => {
  let ws: Workspace;
  let tokenizer: HfTokenizer;

  beforeAll(async () => {
    ws = await Workspace.create();
    tokenizer = await HfTokenizer.fromDir(ws.model);
  });
  afterAll(() => ws.remove());

  it('reads prompt/completion and messages records, encoding prompts as training and generation do', async () => {
    await ws.jsonl('pc.jsonl', [{ prompt: 'Q1:', completion: ' yes' }, { prompt: 'Q2:', completion: ' no' }, { prompt: 'Q3:', completion: 'x' }]);
    const plain = await readAccuracyItems(ws.path('pc.jsonl'), tokenizer, { chat: false, limit: 2 });
    expect(plain.map((i) => [i.prompt, i.reference, i.source])).toEqual([['Q1:', ' yes', `${ws.path('pc.jsonl')}:1`], ['Q2:', ' no', `${ws.path('pc.jsonl')}:2`]]);
    expect(plain[0].promptIds).toEqual(tokenizer.encode('Q1:'));
    const chat = await readAccuracyItems(ws.path('pc.jsonl'), tokenizer, { chat: true, limit: null });
    expect(chat).toHaveLength(3);
    expect(chat[0].promptIds).toEqual(tokenizer.encodeChat([{ role: 'user', content: 'Q1:' }], { addGenerationPrompt: true }));

    const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: 'Paris' }];
    await ws.jsonl('chat.jsonl', [{ messages }]);
    const [item] = await readAccuracyItems(ws.path('chat.jsonl'), tokenizer, { chat: false, limit: null });
    expect(item).toMatchObject({ prompt: 'Capital of France?', reference: 'Paris' });
    expect(item.promptIds).toEqual(tokenizer.encodeChat(messages.slice(0, 2) as never, { addGenerationPrompt: true }));
  });

  it('rejects records without a reference answer, naming file and line', async () => {
    await ws.jsonl('bad.jsonl', [{ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'a' }] }, { messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }, { role: 'user', content: 'unanswered' }] }]);
    await expect(readAccuracyItems(ws.path('bad.jsonl'), tokenizer, { chat: false, limit: null })).rejects.toThrow(
      `${ws.path('bad.jsonl')}:2: the last message must be the assistant's reference answer`,
    );
    await ws.jsonl('text.jsonl', [{ text: 'just text' }]);
    await expect(readAccuracyItems(ws.path('text.jsonl'), tokenizer, { chat: false, limit: null })).rejects.toThrow(/text.jsonl:1: plain text has no reference answer/);
  });

  it('scores greedy generations in batches, each against its own reference', async () => {
    const executor = new OrtExecutor();
    const { model, generationConfig } = await loadModel(ws.model);
    const prompts = ['Q1:', 'A longer question?', 'Q3', 'What now', 'Z'].map((p) => tokenizer.encode(p));
    const greedy = await generate(model as CausalLM, executor, prompts, { tokenizer, generationConfig, maxNewTokens: 3, doSample: false });
    // References: the model's own answer for rows 0, 2, 3; a wrong one for rows 1 and 4.
    const items: AccuracyItem[] = prompts.map((promptIds, i) => ({
      prompt: `p${i}`,
      promptIds,
      reference: i === 1 || i === 4 ? `${greedy.texts[i]}!wrong` : greedy.texts[i],
      source: `t:${i}`,
    }));
    // A batch size that splits the items unevenly: every row must still meet its own reference.
    const result = await taskAccuracy(model as CausalLM, executor, tokenizer, items, { metric: 'exact_match', maxNewTokens: 3, batchSize: 2, generationConfig });
    expect(result).toMatchObject({ correct: 3, total: 5, accuracy: 0.6 });
    expect(result.examples.map((e) => e.correct)).toEqual([true, false, true, true, false]);
    expect(result.examples.map((e) => e.prediction)).toEqual(greedy.texts);
  });
});
