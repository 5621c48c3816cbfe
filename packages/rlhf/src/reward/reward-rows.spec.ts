import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Batch, type HostTensor, OrtExecutor, ReferenceExecutor, Tensor, takeTracedFeeds } from '@tunekit/core';
import { HfTokenizer, lastNonPadToken } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../online/online.test-support.js';
import { rewardRows, scoreRows } from '../online/reward-model.source.js';
import { rewardModelScorer } from './preference-scores.js';
import { loadRewardModel } from './reward.model.js';
import { REWARD_TASK } from './reward.provider.js';

const CHATML = fileURLToPath(new URL('../../../../../shared/fixtures/golden-peft/base/', import.meta.url));
// The fixture tokenizer's special tokens and newline (tokenizer.json: added_tokens, vocab "Ċ"); its pad is <|endoftext|> (0).
const [PAD, IM_START, IM_END, NEWLINE] = [0, 1, 2, 13];

const user = (content: string) => [{ role: 'user' as const, content }];
const assistant = (content: string) => [{ role: 'assistant' as const, content }];

/** The real tokens of each row of a padded [N, T] batch. */
function rowsOf(batch: Batch): number[][] {
  const ids = batch.tensors.input_ids as HostTensor<'i64'>;
  const mask = batch.tensors.attention_mask;
  const [n, t] = ids.shape;
  return Array.from({ length: n }, (_, r) => Array.from({ length: t }, (_, i) => r * t + i).filter((k) => Number(mask.data[k]) === 1).map((k) => Number(ids.data[k])));
}

describe('task: reward trains on the rows that GRPO/RLOO score with the reward model (TRL 1.9 RewardTrainer and GRPOTrainer._calculate_rewards)', () => {
  const executor = new OrtExecutor();
  afterAll(() => executor.dispose());
  let tk: HfTokenizer;
  let dir: string;
  const piece = (text: string) => tk.encode(text, { addSpecialTokens: false });
  const turn = (role: string, content: string) => [IM_START, ...piece(`${role}\n${content}`), IM_END, NEWLINE];

  /** The first training batch `task: reward` builds from `records` (all of them, in order). */
  async function rewardBatch(records: readonly object[]): Promise<Batch> {
    const path = join(dir, `pairs-${records.length}-${Math.random().toString(36).slice(2)}.jsonl`);
    writeFileSync(path, records.map((r) => JSON.stringify(r)).join('\n'));
    const data = await REWARD_TASK.loadData!({ path, shuffle: false }, {} as never, { tokenizer: tk, cwd: dir, trainBatchSize: records.length, evalBatchSize: 1, evaluates: false });
    return data.train.batch(0, 0);
  }

  beforeAll(async () => {
    tk = await HfTokenizer.fromDir(CHATML);
    dir = tempDir();
  });

  const conversations = [
    { prompt: user('What colour is the sky?'), chosen: assistant('blue'), rejected: assistant('green') },
    { prompt: user('Max has a pink hat.\nWhat colour is the hat?'), chosen: assistant(' pink'), rejected: assistant(' yellow') },
  ];

  it('a conversation: the same ids, the whole rendering through the "\\n" after the last <|im_end|>, explicit or implicit prompt', async () => {
    const explicit = rowsOf(await rewardBatch(conversations));
    const implicit = rowsOf(await rewardBatch(conversations.map((c) => ({ chosen: [...c.prompt, ...c.chosen], rejected: [...c.prompt, ...c.rejected] }))));
    const scored = [
      ...rewardRows(tk, { prompts: conversations.map((c) => c.prompt), completions: conversations.map((c) => c.chosen) }),
      ...rewardRows(tk, { prompts: conversations.map((c) => c.prompt), completions: conversations.map((c) => c.rejected) }),
    ];
    expect(explicit).toEqual([
      [...turn('user', 'What colour is the sky?'), ...turn('assistant', 'blue')],
      [...turn('user', 'Max has a pink hat.\nWhat colour is the hat?'), ...turn('assistant', ' pink')],
      [...turn('user', 'What colour is the sky?'), ...turn('assistant', 'green')],
      [...turn('user', 'Max has a pink hat.\nWhat colour is the hat?'), ...turn('assistant', ' yellow')],
    ]);
    expect(implicit).toEqual(explicit);
    expect(scored).toEqual(explicit);
  });

  it('the reward model reads the same token, the last non-pad one ("\\n"), and gives the same scores in training as in scoring', async () => {
    const batch = await rewardBatch(conversations);
    const lengths = rowsOf(batch).map((r) => r.length);
    const ids = batch.tensors.input_ids;
    // Padding on the right with the pad id; the pooled position is each row's last real token.
    expect(Number(ids.data[ids.shape[1] - 1])).toBe(PAD);
    const [pooled] = await new ReferenceExecutor().compile([lastNonPadToken(Tensor.input('input_ids', ids.shape, 'i64'), PAD)]).run({ input_ids: ids });
    expect([...pooled.data].map(Number)).toEqual(lengths.map((n) => n - 1));
    rowsOf(batch).forEach((row) => expect(row.at(-1)).toBe(NEWLINE));

    const { model } = await loadRewardModel(CHATML, { dtype: 'f32', seed: 3 });
    model.train(false);
    const { chosen, rejected } = rewardModelScorer(model)(batch);
    const [c, r] = await executor.compile([chosen, rejected]).run({ ...batch.tensors, ...takeTracedFeeds() });
    const training = [...c.toFloat32(), ...r.toFloat32()];
    const scoring = await scoreRows(model, executor, rowsOf(batch), 4);
    training.forEach((s, i) => expect(Math.abs(s - scoring[i]), `row ${i}: ${s} vs ${scoring[i]}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(s))));
    expect(new Set(training.map((s) => s.toFixed(5))).size).toBe(4);
  });

  it('text: RewardTrainer appends the eos token where GRPO scores prompt + completion as it is (both TRL 1.9), so only the eos differs', async () => {
    const rows = rowsOf(await rewardBatch([{ prompt: 'Rosa has a white', chosen: ' cap.', rejected: ' hat.<|im_end|>' }]));
    const scored = rewardRows(tk, { prompts: ['Rosa has a white', 'Rosa has a white'], completions: [' cap.', ' hat.'] });
    expect(rows).toEqual([
      [...piece('Rosa has a white cap.'), IM_END],
      [...piece('Rosa has a white hat.'), IM_END],
    ]);
    expect(rows.map((r) => r.slice(0, -1))).toEqual(scored);
  });
});
