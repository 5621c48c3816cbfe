import { mkdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_CONFIG } from '../config/example-config.js';
import { Workspace, lines, runCli } from '../testing/cli.test-support.js';

describe('tunekit init', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create();
  });
  afterAll(() => ws.remove());

  it('writes the commented example config, which `train --dry-run` validates', async () => {
    const init = await runCli(['init', 'my-run.yaml'], { cwd: ws.root });
    expect(init.code).toBe(0);
    expect(await readFile(ws.path('my-run.yaml'), 'utf8')).toBe(EXAMPLE_CONFIG);
    expect(EXAMPLE_CONFIG).toMatch(/^# /);

    // The data file the example names must exist: a dry run reads its first rows.
    const missing = await runCli(['train', ws.path('my-run.yaml'), '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe(`tunekit train: data: dataset path: data/train.jsonl does not exist (in ${ws.root})`);

    await mkdir(ws.path('data'), { recursive: true });
    await ws.write('data/train.jsonl', `${JSON.stringify({ prompt: 'Hi', completion: 'Hello' })}\n`);
    const plan = await runCli(['train', ws.path('my-run.yaml'), '--dry-run'], { env: { HF_HUB_CACHE: ws.path('empty-cache') } });
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const out = lines(plan.stdout);
    expect(out[0]).toBe(`config     ${ws.path('my-run.yaml')} (valid)`);
    expect(out).toContain('model      HuggingFaceTB/SmolLM2-135M-Instruct (f32)');
    expect(out.find((l) => l.startsWith('method'))).toMatch(/^method\s+lora \{"r":16,"lora_alpha":32,/);
    expect(out).toContain(`output_dir ${ws.path('runs/smollm2-lora')}`);
    expect(out).toContain(`checked    model: HuggingFaceTB/SmolLM2-135M-Instruct is no folder under ${ws.root} and not in the Hub cache; the run would download it from the Hub`);
    expect(out).toContain('checked    data: data/train.jsonl (the first 5 rows of each parse as prompt_completion)');
    expect(out.at(-1)).toBe('dry run: no weights were loaded and nothing was trained');
  });

  it('a --dry-run checks the model folder and the data rows without loading weights', async () => {
    const config = (model: string, data: string) => `model: ${model}\ndata: { path: ${data} }\n`;
    await ws.write('bad.jsonl', `${JSON.stringify({ prompt: 'Hi', completion: 'Hello' })}\n${JSON.stringify({ prompt: 'Hi' })}\n`);
    await mkdir(ws.path('tiny'), { recursive: true });
    await ws.write('tiny/config.json', '{"model_type": "llama", "hidden_size": "sixty-four"}');
    await ws.write('good.jsonl', `${JSON.stringify({ prompt: 'Hi', completion: 'Hello' })}\n`);
    const cases: [string, string][] = [
      [config('./nowhere', 'good.jsonl'), `tunekit train: model: `],
      [config('./tiny', 'good.jsonl'), `tunekit train: model: ${ws.path('tiny/config.json')}`],
      [config(ws.model, 'bad.jsonl'), 'tunekit train: data: bad.jsonl:2: completion: expected a string, got nothing'],
    ];
    const plans = await Promise.all(
      cases.map(async ([text], i) => {
        await ws.write(`check-${i}.yaml`, text);
        return runCli(['train', ws.path(`check-${i}.yaml`), '--dry-run']);
      }),
    );
    plans.forEach((plan, i) => {
      expect(plan.code, cases[i][0]).toBe(1);
      expect(plan.stderr.trim().split('\n')).toHaveLength(1);
      expect(plan.stderr.trim().startsWith(cases[i][1]), plan.stderr).toBe(true);
    });
    await ws.write('check.yaml', config(ws.model, 'good.jsonl'));
    const plan = await runCli(['train', ws.path('check.yaml'), '--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(lines(plan.stdout).find((l) => l.startsWith('checked    model:'))).toBe(`checked    model: ${ws.model}/config.json parses (llama, 2 layers, hidden 64, vocab 269)`);
  });

  it('a --dry-run still rejects a bad value', async () => {
    const plan = await runCli(['train', ws.path('my-run.yaml'), '--dry-run', '--set', 'lora.r=0']);
    expect(plan.code).toBe(2);
    expect(plan.stderr.trim()).toBe('tunekit train: --set lora.r: expected a positive integer, got 0');
  });

  it('refuses to overwrite an existing file', async () => {
    await ws.write('taken.yaml', 'model: mine\n');
    const init = await runCli(['init', 'taken.yaml'], { cwd: ws.root });
    expect(init.code).toBe(1);
    expect(init.stderr.trim()).toBe('tunekit init: taken.yaml already exists; not overwriting it');
    expect(await readFile(ws.path('taken.yaml'), 'utf8')).toBe('model: mine\n');
  });
});
