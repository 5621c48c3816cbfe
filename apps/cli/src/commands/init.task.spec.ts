import { mkdir, readFile } from 'node:fs/promises';
import { DPO_TASK, PPO_TASK } from '@tunekit/rlhf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, runCli } from '../testing/cli.test-support.js';

describe('tunekit init --task', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create();
  });
  afterAll(() => ws.remove());

  it('writes the task\'s own commented example (dpo), which trains as written (on the tiny model, one step)', async () => {
    const init = await runCli(['init', 'dpo.yaml', '--task', 'dpo'], { cwd: ws.root });
    expect(init.code).toBe(0);
    expect(await readFile(ws.path('dpo.yaml'), 'utf8')).toBe(DPO_TASK.exampleConfig);
    await mkdir(ws.path('data'), { recursive: true });
    await ws.write('data/preferences.jsonl', `${JSON.stringify({ prompt: 'Hi', chosen: ' Hello', rejected: ' Go away' })}\n`);
    // A dry run checks the task's data paths without parsing its rows as SFT records.
    const plan = await runCli(['train', ws.path('dpo.yaml'), '--set', `model=${ws.model}`, '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('checked    data: data/preferences.jsonl (read by the dpo task when the run starts)');
    // Every section as written; only the model, the length of the run and evaluation are overridden.
    const run = await runCli(['train', ws.path('dpo.yaml'), '--set', `model=${ws.model}`, '--set', 'training.max_steps=1', '--set', 'training.eval_strategy=no', '--set', 'training.save_strategy=no', '--set', 'data.validation_split=0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^data: .*1 training pair \(preference\)/m);
  });

  it('writes PPO\'s commented example, which a dry run accepts as written', async () => {
    const init = await runCli(['init', 'ppo.yaml', '--task', 'ppo'], { cwd: ws.root });
    expect(init.code).toBe(0);
    expect(await readFile(ws.path('ppo.yaml'), 'utf8')).toBe(PPO_TASK.exampleConfig);
    await mkdir(ws.path('data'), { recursive: true });
    await ws.write('data/prompts.jsonl', `${JSON.stringify({ prompt: 'Hi' })}\n`);
    const plan = await runCli(['train', ws.path('ppo.yaml'), '--set', `model=${ws.model}`, '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('checked    data: data/prompts.jsonl (read by the ppo task when the run starts)');
  });

  it('names the tasks that have an example when the one asked for has none', async () => {
    const run = await runCli(['init', 'x.yaml', '--task', 'pretrain'], { cwd: ws.root });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--task pretrain: no example config; tasks with one: sft, dpo, ppo');
  });
});
