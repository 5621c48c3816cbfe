import { readFile } from 'node:fs/promises';
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

    const plan = await runCli(['train', ws.path('my-run.yaml'), '--dry-run']);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const out = lines(plan.stdout);
    expect(out[0]).toBe(`config     ${ws.path('my-run.yaml')} (valid)`);
    expect(out).toContain('model      HuggingFaceTB/SmolLM2-135M-Instruct (f32)');
    expect(out.find((l) => l.startsWith('method'))).toMatch(/^method\s+lora \{"r":16,"lora_alpha":32,/);
    expect(out).toContain(`output_dir ${ws.path('runs/smollm2-lora')}`);
    expect(out.at(-1)).toBe('dry run: nothing was loaded or trained');
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
