import { join } from 'node:path';
import { HostTensor, type Module, OrtExecutor, Tensor } from '@tunekit/core';
import { type CausalLM, type ModelConfig, HfTokenizer, loadModel, loadSequenceClassifier, saveModel } from '@tunekit/models';
import { LORA_METHOD } from '@tunekit/peft-lora';
import { rewardModelOn } from '@tunekit/rlhf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTokenizerFiles } from '../model-loading.js';
import { Workspace, randomize, runCli, saveRandomAdapter } from '../testing/cli.test-support.js';

/** Pairs of different lengths, so batches are padded. */
const PAIRS = [
  { prompt: 'Q1: the sky?', chosen: ' blue', rejected: ' a very dark shade of red' },
  { prompt: 'Q2: grass?', chosen: ' green and soft', rejected: ' pink' },
  { prompt: 'Q3: snow, in winter, on the hills?', chosen: ' white', rejected: ' black' },
  { prompt: 'Q4:', chosen: ' yes', rejected: ' no, not at all' },
  { prompt: 'Q5: sun?', chosen: ' yellow', rejected: ' blue' },
];

const executor = new OrtExecutor({ threads: 1 });
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Each answer's ids scored alone (one unpadded row), the oracle for the batched, padded command. */
function rows(tokenizer: HfTokenizer, prompt: string, completion: string): { ids: number[]; start: number } {
  const p = tokenizer.encode(prompt, { addSpecialTokens: true });
  return { ids: [...p, ...tokenizer.encode(completion, { addSpecialTokens: false }), tokenizer.eosTokenId!], start: p.length };
}

async function run1(out: Tensor, ids: number[]): Promise<Float32Array> {
  const [host] = await executor.compile([out]).run({ ids: HostTensor.i64([1, ids.length], ids) });
  return host.toFloat32();
}

/** Σ log p of the completion tokens (positions start..end) under `model`, in plain arithmetic over its logits. */
async function completionLogp(model: CausalLM, { ids, start }: { ids: number[]; start: number }): Promise<number> {
  const logits = await run1(model.call(Tensor.input('ids', [1, ids.length], 'i64')).logits, ids);
  const vocab = logits.length / ids.length;
  let sum = 0;
  for (let t = start; t < ids.length; t++) {
    const row = logits.subarray((t - 1) * vocab, t * vocab);
    const max = Math.max(...row);
    sum += row[ids[t]] - max - Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
  }
  return sum;
}

describe('tunekit score', () => {
  let ws: Workspace;
  let tokenizer: HfTokenizer;
  beforeAll(async () => {
    ws = await Workspace.create();
    tokenizer = await HfTokenizer.fromDir(ws.model);
    await ws.jsonl('pairs.jsonl', PAIRS);
    const { model } = await loadModel(ws.model);
    const reward = rewardModelOn(model as CausalLM & { config: ModelConfig }, { seed: 5, padTokenId: tokenizer.padTokenId ?? null, file: 'config.json' });
    randomize(reward as Module, (n) => n === 'score.weight', 9, 1);
    await saveModel(reward as unknown as CausalLM, ws.path('rm'));
    await copyTokenizerFiles(ws.model, ws.path('rm'));
    await saveRandomAdapter(ws.model, ws.path('adapter'));
  });
  afterAll(() => {
    executor.dispose();
    return ws.remove();
  });

  it('scores every pair with a reward model, batched and padded, as each answer scored alone', async () => {
    const run = await runCli(['score', '--model', ws.path('rm'), '--data', ws.path('pairs.jsonl'), '--batch-size', '2', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const got = JSON.parse(run.stdout);
    const model = await loadSequenceClassifier(ws.path('rm'));
    const score = async (prompt: string, completion: string) => {
      const { ids } = rows(tokenizer, prompt, completion);
      return (await run1(model.call(Tensor.input('ids', [1, ids.length], 'i64')), ids))[0];
    };
    const chosen = await Promise.all(PAIRS.map((p) => score(p.prompt, p.chosen)));
    const rejected = await Promise.all(PAIRS.map((p) => score(p.prompt, p.rejected)));
    const accuracy = mean(chosen.map((c, i) => (c > rejected[i] ? 1 : 0)));
    expect(got).toMatchObject({ mode: 'reward_model', pairs: 5, dropped: 0, accuracy });
    expect(got.chosen.mean).toBeCloseTo(mean(chosen), 4);
    expect(got.rejected.mean).toBeCloseTo(mean(rejected), 4);
    expect(got.margin).toBeCloseTo(mean(chosen) - mean(rejected), 4);
    // Not a constant: the random head ranks some pairs each way.
    expect(new Set(chosen.map((c, i) => c > rejected[i])).size).toBe(2);
  });

  it('scores a policy against its reference with DPO’s implicit reward β·(log π − log π_ref), and prints accuracy last', async () => {
    const beta = 0.5;
    const run = await runCli(['score', '--model', ws.model, '--adapter', ws.path('adapter'), '--reference', ws.model, '--beta', String(beta), '--data', ws.path('pairs.jsonl'), '--json']);
    expect(run.code).toBe(0);
    const got = JSON.parse(run.stdout);
    const base = (await loadModel(ws.model)).model;
    const policy = (await loadModel(ws.model)).model;
    await LORA_METHOD.load(policy, ws.path('adapter'), { trainable: false });
    const reward = async (prompt: string, completion: string) => {
      const r = rows(tokenizer, prompt, completion);
      return beta * ((await completionLogp(policy, r)) - (await completionLogp(base, r)));
    };
    const chosen: number[] = [];
    const rejected: number[] = [];
    for (const p of PAIRS) {
      chosen.push(await reward(p.prompt, p.chosen));
      rejected.push(await reward(p.prompt, p.rejected));
    }
    expect(got).toMatchObject({ mode: 'implicit_reward', beta, pairs: 5, accuracy: mean(chosen.map((c, i) => (c > rejected[i] ? 1 : 0))) });
    expect(got.chosen.mean).toBeCloseTo(mean(chosen), 4);
    expect(got.rejected.mean).toBeCloseTo(mean(rejected), 4);
    expect(Math.abs(got.chosen.mean)).toBeGreaterThan(1e-3);
    const text = await runCli(['score', '--model', ws.model, '--adapter', ws.path('adapter'), '--reference', ws.model, '--data', ws.path('pairs.jsonl')]);
    expect(text.stdout.trim().split('\n').at(-1)).toMatch(/^accuracy: \d+\.\d\d% \(chosen above rejected in \d of 5 pairs\)$/);
  });

  it('refuses a causal LM without --reference, and eval of a task with its own data, naming what to use', async () => {
    const run = await runCli(['score', '--model', ws.model, '--data', ws.path('pairs.jsonl')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--model ${ws.model} is a causal LM: give a reward model`);
    const evaluation = await runCli(['eval', '--model', ws.model, '--data', ws.path('pairs.jsonl'), '--task', 'reward']);
    expect(evaluation.code).toBe(2);
    expect(evaluation.stderr).toContain('task "reward" reads its own data or model, which eval does not load; for preference pairs use tunekit score');
  });
});
