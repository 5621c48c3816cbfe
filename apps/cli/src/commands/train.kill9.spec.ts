import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_FILES, Rng, listCheckpoints, loadCheckpoint } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, maxAbsDiff, readTensors, runCli, spawnCli, yesRecords } from '../testing/cli.test-support.js';

// kill -9 at seeded random moments of a real `tunekit train` (the quickstart's shape at tiny size:
// LoRA, a checkpoint every step so that many kills land in a save). After every kill each
// `checkpoint-N` must be complete and load; the next run (resume_from_checkpoint: true when a
// checkpoint exists) must start; and the run that finally completes must end with the adapter of a
// run that was never killed.

const KILLS = 20;
const SEED = 20261204;
const MAX_STEPS = 10;

const CONFIG = `
model: model
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: out
  max_steps: ${MAX_STEPS}
  per_device_train_batch_size: 4
  learning_rate: 1.0e-2
  logging_steps: 1
  save_steps: 1
`;

const ADAPTER_FILES = ['adapter_config.json', 'adapter_model.safetensors'];

/** Every checkpoint folder has all its files, its state loads, and its adapter reads whole. */
async function checkCheckpoints(out: string): Promise<number> {
  const checkpoints = await listCheckpoints(out);
  for (const { dir } of checkpoints) {
    const files = readdirSync(dir);
    expect(files, dir).toEqual(expect.arrayContaining([...Object.values(CHECKPOINT_FILES), ...ADAPTER_FILES]));
    await loadCheckpoint(dir);
    expect((await readTensors(join(dir, 'adapter_model.safetensors'))).size, dir).toBe(8); // q_proj and v_proj of 2 layers, A and B
  }
  return checkpoints.length;
}

interface Kill {
  /** What the child was doing: `save` when a staging folder existed at the kill. */
  during: 'save' | 'step';
  afterMs: number;
}

/**
 * Starts a run and kills it with SIGKILL: either at a random moment after its first step line, or
 * (when `inSave`) as soon as a checkpoint staging folder appears, plus a random few milliseconds.
 * Resolves with what it killed, or null when the run finished first.
 */
function runAndKill(args: string[], out: string, rng: Rng, inSave: boolean): Promise<Kill | null> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args);
    let stderr = '';
    let started = 0;
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const kill = () => {
      if (child.exitCode !== null) return;
      const staging = readdirSync(out).some((n) => /^\.checkpoint-\d+\.tmp-/.test(n));
      // A write that ended within the delay (a busy machine polls late): aim at the run's next write.
      if (inSave && !staging) return aimAtSave();
      child.kill('SIGKILL');
      resolve({ during: staging ? 'save' : 'step', afterMs: Math.round(performance.now() - started) });
    };
    const aimAtSave = () => {
      const delay = rng.int(20);
      poll = setInterval(() => {
        if (existsSync(out) && readdirSync(out).some((n) => /^\.checkpoint-\d+\.tmp-/.test(n))) {
          clearInterval(poll);
          timer = setTimeout(kill, delay);
        }
      }, 2);
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (started || !/\nstep \d+\//.test(`\n${stderr}`)) return;
      started = performance.now();
      if (inSave) {
        aimAtSave();
      } else {
        timer = setTimeout(kill, rng.int(1500));
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (signal === 'SIGKILL') return;
      if (code !== 0) reject(new Error(`tunekit train exited ${code} before the kill:\n${stderr}`));
      else resolve(null);
    });
  });
}

describe('tunekit train under kill -9', () => {
  let ws: Workspace;
  let yaml: string;
  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(24));
    yaml = await ws.write('run.yaml', CONFIG);
  });
  afterAll(() => ws.remove());

  it(`${KILLS} kills (half of them inside checkpoint writes) leave only complete checkpoints, every restart starts, and the run ends with the unkilled run's adapter`, async () => {
    const straight = await runCli(['train', yaml, '--set', 'training.output_dir=straight']);
    expect(straight.code).toBe(0);

    const out = ws.path('out');
    const rng = new Rng(SEED);
    const kills: Kill[] = [];
    let finished = 0;
    const started = performance.now();
    while (kills.length < KILLS) {
      // A killed run before its first save leaves no checkpoint: the next one starts over that litter.
      const resume = existsSync(out) && (await listCheckpoints(out)).length > 0;
      const args = ['train', yaml, '--set', resume ? 'training.resume_from_checkpoint=true' : 'training.overwrite_output_dir=true'];
      const kill = await runAndKill(args, out, rng, kills.length % 2 === 0);
      if (kill === null) {
        // The run completed before the kill: the next round starts from scratch.
        finished++;
        rmSync(out, { recursive: true, force: true });
        expect(finished, 'runs keep finishing before they are killed').toBeLessThan(KILLS);
        continue;
      }
      kills.push(kill);
      await checkCheckpoints(out);
    }
    const inSave = kills.filter((k) => k.during === 'save').length;
    console.log(`kill -9: ${kills.length} kills (${inSave} during a checkpoint write), ${finished} runs finished first, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    expect(inSave).toBeGreaterThanOrEqual(KILLS / 4);

    const resume = (await listCheckpoints(out)).length > 0;
    const last = await runCli(['train', yaml, '--set', resume ? 'training.resume_from_checkpoint=true' : 'training.overwrite_output_dir=true']);
    expect(last.stderr).not.toMatch(/\n\s+at /);
    expect(last.code).toBe(0);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
    const a = await readTensors(join(ws.path('straight'), 'adapter_model.safetensors'));
    const b = await readTensors(join(out, 'adapter_model.safetensors'));
    for (const [k, v] of a) expect(maxAbsDiff(v, b.get(k)!), k).toBeLessThan(1e-6);
  }, 900_000);
});
