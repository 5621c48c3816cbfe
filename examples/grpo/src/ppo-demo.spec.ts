import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

function node(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}
const tunekit = (args: string[]) => node([here('../../../apps/cli/bin/tunekit.js'), ...args]);
const set = (kv: string) => ['--set', kv];

describe('the PPO demo, shortened', () => {
  it('trains a reward model with the alignment demo\'s reward.yaml, then runs ppo.yaml through tunekit train against it: TRL metrics, value model checkpointed, held-out accuracy last', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-ppo-demo-'));
    // The quickstart's base model instead of the SFT one and the warmed-up start, two steps of each run, 16 held-out stories.
    const reward = await tunekit([
      'train',
      here('../../alignment/reward.yaml'),
      ...set('model=../quickstart-model'),
      ...set('training.max_steps=2'),
      ...set('training.save_steps=2'),
      ...set(`training.output_dir=${dir}/rm`),
    ]);
    expect(reward.code, reward.stdout).toBe(0);
    const heldOut = join(dir, 'held-out.jsonl');
    writeFileSync(heldOut, readFileSync(here('../../data/quickstart-test.jsonl'), 'utf8').split('\n').slice(0, 16).join('\n'));
    const { code, stdout } = await tunekit([
      'train',
      here('../ppo.yaml'),
      ...set('model=../quickstart-model'),
      ...set(`ppo.reward_model_path=${dir}/rm`),
      ...set('ppo.num_ppo_epochs=2'),
      ...set('training.max_steps=2'),
      ...set('training.per_device_train_batch_size=4'),
      ...set('training.logging_steps=1'),
      ...set('training.save_steps=2'),
      ...set(`training.output_dir=${dir}/run`),
      ...set(`evaluation.path=${heldOut}`),
    ]);
    expect(code, stdout).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.find((l) => l.startsWith('data: '))).toBe('data: 1958 prompts, 1 completions each per rollout, scored by reward model rm; value model initialised from it, trained in full');
    const state = JSON.parse(readFileSync(join(dir, 'run', 'checkpoint-2', 'trainer_state.json'), 'utf8')) as { log_history: Record<string, number>[] };
    const [step1, step2] = [1, 2].map((s) => state.log_history.find((e) => e.step === s && e.loss !== undefined)!);
    for (const metric of ['objective/scores', 'objective/kl', 'objective/rlhf_reward', 'loss/policy_avg', 'loss/value_avg', 'policy/clipfrac_avg', 'val/ratio', 'timing/generation_s']) expect(step2[metric], metric).toBeTypeOf('number');
    // Both steps train on one rollout (two PPO epochs): the same scores, and the second pass is off-policy.
    expect(step2['objective/scores']).toBe(step1['objective/scores']);
    expect(existsSync(join(dir, 'run', 'adapter_model.safetensors'))).toBe(true);
    expect(existsSync(join(dir, 'run', 'checkpoint-2', 'value_model', 'model.safetensors'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^accuracy: \d+\.\d% -> \d+\.\d%$/);
    // Two training runs in child processes: tens of seconds on two busy cores.
  }, 600_000);
});
