import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../testing/cli.test-support.js';

const QUICKSTART = fileURLToPath(new URL('../../../../examples/quickstart.yaml', import.meta.url));

/** QLoRA's base: NF4 with double quantization, by BitsAndBytesConfig's names. */
const NF4 = { load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true };

/**
 * The quickstart shortened to two thirds (1,600 of 2,400 steps) with the learning rate raised to
 * match (1.5e-3). LoRA learns the copy suddenly, at a step that moves with any change to the run:
 * with this schedule seed 42 gives LoRA 100% and QLoRA 100%, seed 7 83% and 97%; shorter schedules
 * (600 to 1,000 steps at 1.5e-3 to 2e-3) stopped LoRA at 24-67%, partway through learning it. On
 * the quickstart exactly as shipped (2,400 steps at 1e-3) one run gave QLoRA 6 points below LoRA.
 * On the CPU of 2026-12-04 (a different ONNX Runtime GEMM path, the same loss to 4 digits up to
 * step 600 and the same result on the commit before that session) this schedule stops LoRA at 24%
 * and the shipped one at 56%: where the copy is learned depends on the CPU. So the comparison is
 * made on what does not jump: the mean training loss of the whole run.
 */
const SHORTENED: Record<string, unknown> = {
  'training.max_steps': 1600,
  'training.learning_rate': 1.5e-3,
  'training.warmup_steps': 40,
  'training.save_steps': 1600,
  'training.logging_steps': 100,
  samples: null,
};

interface QuickstartRun {
  /** Held-out exact match, in percent. */
  readonly accuracy: number;
  readonly firstLoss: number;
  /** The Trainer's `train_loss`: the mean loss over every step of the run. */
  readonly trainLoss: number;
}

async function trainQuickstart(extra: Record<string, unknown>): Promise<QuickstartRun> {
  const out = await mkdtemp(join(tmpdir(), 'tunekit-qlora-quickstart-'));
  try {
    // JSON is YAML, which is what --set reads.
    const sets = Object.entries({ ...SHORTENED, 'training.output_dir': out, ...extra }).flatMap(([k, v]) => ['--set', `${k}=${JSON.stringify(v)}`]);
    const run = await runCli(['train', QUICKSTART, ...sets]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    const after = /^exact_match after training: ([\d.]+)% \(\d+\/200\)$/m.exec(run.stdout);
    expect(after, run.stdout).not.toBeNull();
    const logged = (await readFile(join(out, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { loss?: number; train_loss?: number });
    const summary = logged.find((l) => l.train_loss !== undefined);
    expect(summary, 'metrics.jsonl has the run summary').toBeDefined();
    return { accuracy: Number(after![1]), firstLoss: logged[0]!.loss!, trainLoss: summary!.train_loss! };
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

describe('QLoRA on the quickstart task', () => {
  it("trains as well as LoRA: mean loss within 10% of LoRA's, both well below where they started", { timeout: 900_000 }, async () => {
    // One after the other: each run's onnxruntime already uses every core.
    const lora = await trainQuickstart({});
    const qlora = await trainQuickstart({ quantization: NF4 });
    // The NF4 base is a different model: its first loss is not LoRA's.
    expect(qlora.firstLoss).not.toBe(lora.firstLoss);
    for (const run of [lora, qlora]) expect(run.trainLoss).toBeLessThan(0.5 * run.firstLoss);
    expect(qlora.trainLoss).toBeLessThanOrEqual(1.1 * lora.trainLoss);
    // Both answered the held-out questions after training (a broken adapter scores 0).
    expect(Math.min(lora.accuracy, qlora.accuracy)).toBeGreaterThan(0);
    console.log(`held-out exact match: LoRA ${lora.accuracy}%, QLoRA ${qlora.accuracy}%; train_loss ${lora.trainLoss} vs ${qlora.trainLoss}`);
  });
});
