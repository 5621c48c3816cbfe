import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, runCli, saveRandomAdapter, yesRecords } from '../testing/cli.test-support.js';

describe('tunekit eval', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('valid.jsonl', yesRecords(6));
    await saveRandomAdapter(ws.model, ws.path('adapter'));
  });
  afterAll(() => ws.remove());

  const evalJson = async (...extra: string[]) => {
    const run = await runCli(['eval', '--model', ws.model, '--data', 'valid.jsonl', '--batch-size', '4', '--json', ...extra], { cwd: ws.root });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toHaveLength(1);
    return JSON.parse(run.stdout) as Record<string, unknown>;
  };

  it('prints one JSON object with eval_loss and perplexity, and an adapter changes the loss', async () => {
    const base = await evalJson();
    expect(base).toMatchObject({ model: ws.model, adapter: null, data: 'valid.jsonl', examples: 6 });
    const loss = base.eval_loss as number;
    // A random model over a ~270-token vocabulary: near ln(270) ≈ 5.6.
    expect(loss).toBeGreaterThan(4);
    expect(loss).toBeLessThan(7);
    expect(base.perplexity).toBeCloseTo(Math.exp(loss), 6);

    const adapted = await evalJson('--adapter', ws.path('adapter'));
    expect(adapted.adapter).toBe(ws.path('adapter'));
    expect(Math.abs((adapted.eval_loss as number) - loss)).toBeGreaterThan(1e-3);
    expect(adapted.perplexity).toBeCloseTo(Math.exp(adapted.eval_loss as number), 6);
    // The batch size changes how rows are padded, not the token-weighted mean.
    expect((await evalJson('--batch-size', '1')).eval_loss).toBeCloseTo(loss, 4);
  });

  it('measures the task --task names, reading the data as that task does, and refuses an unregistered one', async () => {
    await ws.jsonl('text.jsonl', yesRecords(6).map((r) => ({ text: `${r.prompt}${r.completion}` })));
    const run = await runCli(['eval', '--model', ws.model, '--data', 'text.jsonl', '--task', 'pretrain', '--json'], { cwd: ws.root });
    expect(run.code).toBe(0);
    const pretrain = JSON.parse(run.stdout) as { eval_loss: number; perplexity: number; examples: number };
    expect(pretrain.examples).toBe(6);
    expect(pretrain.eval_loss).toBeGreaterThan(4);
    expect(pretrain.perplexity).toBeCloseTo(Math.exp(pretrain.eval_loss), 6);
    // pretrain reads plain text: prompt/completion records are not its format.
    const records = await runCli(['eval', '--model', ws.model, '--data', 'valid.jsonl', '--task', 'pretrain'], { cwd: ws.root });
    expect(records.code).toBe(1);
    expect(lines(records.stderr)).toEqual([expect.stringMatching(/^tunekit eval: .*text/)]);
    const unknown = await runCli(['eval', '--model', ws.model, '--data', 'text.jsonl', '--task', 'no_such_task']);
    expect(unknown.code).toBe(2);
    expect(lines(unknown.stderr)).toEqual([expect.stringMatching(/^tunekit eval: --task: unknown task "no_such_task"; choose one of sft, pretrain(, \w+)*$/)]);
  });

  it('--metric scores greedy answers against the completions, with a progress line on stderr', async () => {
    // What the model answers to Q0: greedily is right by construction; the other record's answer is not.
    const gen = await runCli(['generate', '--model', ws.model, '--prompt', 'Q0:', '--max-new-tokens', '4', '--temperature', '0', '--json']);
    expect(gen.code, gen.stderr).toBe(0);
    const answer = (JSON.parse(gen.stdout) as { text: string }).text;
    await ws.jsonl('scored.jsonl', [{ prompt: 'Q0:', completion: answer }, { prompt: 'Q1:', completion: `${answer}, not this` }, { prompt: 'Q2:', completion: 'x' }]);
    const run = await runCli(['eval', '--model', ws.model, '--data', 'scored.jsonl', '--metric', 'exact_match', '--max-new-tokens', '4', '--batch-size', '2', '--json'], { cwd: ws.root });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ exact_match: 1 / 3, correct: 1, scored: 3, examples: 3 });
    // Off a terminal the progress is plain lines, the last one complete.
    expect(lines(run.stderr).at(-1)).toMatch(/^scoring exact_match: 3\/3 \(100%\) {2}1 correct {2}\d+:\d\d$/);
    const limited = await runCli(['eval', '--model', ws.model, '--data', 'scored.jsonl', '--metric', 'contains', '--max-new-tokens', '4', '--limit', '1', '--json'], { cwd: ws.root });
    expect(JSON.parse(limited.stdout)).toMatchObject({ contains: 1, correct: 1, scored: 1 });
    const bad = await runCli(['eval', '--model', ws.model, '--data', 'scored.jsonl', '--metric', 'bleu'], { cwd: ws.root });
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual(['tunekit eval: --metric: expected one of exact_match, contains, got "bleu"']);
  });

  it('prints key/value lines without --json', async () => {
    const run = await runCli(['eval', '--model', ws.model, '--data', ws.path('valid.jsonl')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^eval_loss\s+\d+\.\d+$/m);
    expect(run.stdout).toMatch(/^perplexity\s+\d+\.\d+$/m);
  });

  it('reports a missing flag and a folder without an adapter in one line', async () => {
    const missing = await runCli(['eval', '--model', ws.model]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toMatch(/^tunekit eval: --data is required; usage: tunekit eval --model M \[--adapter DIR\] --data FILE .*\[--metric exact_match\|contains/);
    const noAdapter = await runCli(['eval', '--model', ws.model, '--adapter', ws.model, '--data', ws.path('valid.jsonl')]);
    expect(noAdapter.code).toBe(1);
    expect(lines(noAdapter.stderr)).toEqual([`tunekit eval: ${ws.model}/adapter_config.json: cannot read the adapter config (ENOENT)`]);
  });
});
