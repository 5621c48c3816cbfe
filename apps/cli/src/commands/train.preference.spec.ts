import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, runCli } from '../testing/cli.test-support.js';

/** Pairs a tiny model can learn to rank: the chosen answer is always " yes", the rejected " no". */
const pairs = (n: number) => Array.from({ length: n }, (_, i) => ({ prompt: `Q${i}:`, chosen: ' yes', rejected: ' no' }));
const unpaired = (n: number) => pairs(n).flatMap((p) => [{ prompt: p.prompt, completion: p.chosen, label: true }, { prompt: p.prompt, completion: p.rejected, label: false }]);

const config = (task: string, section: string, data: string, extra = '') => `
model: model
task: ${task}
${section}
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
data: { path: ${data}, max_length: 32 }
training:
  output_dir: out-${task}${extra}
  max_steps: 4
  per_device_train_batch_size: 2
  learning_rate: 1.0e-2
  logging_steps: 1
  save_steps: 2
`;

describe('tunekit train: preference tasks from @tunekit/rlhf', () => {
  let ws: Workspace;

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.write('pairs.jsonl', pairs(8).map((r) => JSON.stringify(r)).join('\n'));
    await ws.write('unpaired.jsonl', unpaired(4).map((r) => JSON.stringify(r)).join('\n'));
  });
  afterAll(() => ws.remove());

  const metrics = async (dir: string) => (await readFile(ws.path(`${dir}/metrics.jsonl`), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);

  it('task: dpo trains LoRA against the adapter-disabled reference, logs TRL\'s metrics, and stores its precomputed reference log-probs with the run', async () => {
    await ws.write('dpo.yaml', config('dpo', 'dpo: { beta: 0.5, precompute_ref_log_probs: true }', 'pairs.jsonl'));
    const run = await runCli(['train', ws.path('dpo.yaml')]);
    expect(run.code).toBe(0);
    expect(lines(run.stdout)).toContain('data: 8 rows read: 8 training pairs (preference)');
    expect(existsSync(ws.path('out-dpo/ref_logps.json'))).toBe(true);
    const logged = (await metrics('out-dpo')).filter((m) => 'rewards/margins' in m);
    expect(logged[0].loss).toBeCloseTo(Math.LN2, 5);
    for (const key of ['rewards/chosen', 'rewards/rejected', 'rewards/accuracies', 'logps/chosen', 'logps/rejected', 'logits/chosen', 'logits/rejected']) expect(logged[0]).toHaveProperty(key);
    expect(logged.at(-1)!['rewards/margins']).toBeGreaterThan(0);
  });

  it('task: orpo and task: kto run from the same CLI, each reading its own section', async () => {
    await ws.write('orpo.yaml', config('orpo', 'orpo: { beta: 0.2 }', 'pairs.jsonl'));
    const orpo = await runCli(['train', ws.path('orpo.yaml')]);
    expect(orpo.code).toBe(0);
    await ws.write('kto.yaml', config('kto', 'kto: { beta: 0.5, desirable_weight: 1.0 }', 'unpaired.jsonl'));
    const kto = await runCli(['train', ws.path('kto.yaml')]);
    expect(kto.code).toBe(0);
    const logged = (await metrics('out-kto')).filter((m) => 'kl' in m);
    expect(logged[0].loss).toBeCloseTo(0.5, 5);
  });

  it('an unknown key in the task\'s section is an error with a did-you-mean', async () => {
    await ws.write('typo.yaml', config('dpo', 'dpo: { beta: 0.5, los_type: ipo }', 'pairs.jsonl', '-typo'));
    const run = await runCli(['train', ws.path('typo.yaml'), '--dry-run']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`tunekit train: ${ws.path('typo.yaml')}:4: dpo.los_type: unknown key (did you mean "loss_type"?)`);
  });
});
