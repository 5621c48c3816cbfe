import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Parameter } from '../ir/parameter.js';
import { AdamW } from '../optim/adamw.optimizer.js';
import { LrScheduler } from '../optim/lr-schedule.js';
import { TrainableParametersCheckpointer } from '../trainer/model-checkpointer.js';
import { loadCheckpoint, saveCheckpoint } from '../trainer/trainer-checkpoint.js';
import { initialTrainerState } from '../trainer/trainer-state.js';
import { parseTrainingArguments } from '../trainer/training-arguments.js';
import { mountTmpfs } from '../testing/tmpfs.test-support.js';
import { DiskFullError, publishFiles } from './atomic-dir.js';

/** A checkpoint of one 64k-float weight with AdamW moments: about 0.75 MiB on disk. */
function snapshotAt(step: number) {
  const w = Parameter.fromValues([256, 256], Array.from({ length: 65536 }, (_, i) => Math.sin(i)));
  w.name = 'layer.weight';
  const optimizer = new AdamW([w]);
  const scheduler = new LrScheduler(optimizer, 'constant', { warmupSteps: 0, totalSteps: 10 });
  w.grad = Float32Array.from(w.value.toFloat32(), (x) => x / 10);
  optimizer.step();
  const snapshot = { state: { ...initialTrainerState(), global_step: step }, optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), rngs: {} };
  return { snapshot, model: new TrainableParametersCheckpointer({ namedParameters: () => [['layer.weight', w] as [string, Parameter]] }) };
}

const sizeOf = (dir: string): number => readdirSync(dir).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

// How much one checkpoint takes, measured on the ordinary temp folder.
const probe = mkdtempSync(join(tmpdir(), 'tunekit-ckpt-size-'));
const args = parseTrainingArguments({ output_dir: probe });
const { snapshot: probeSnapshot, model: probeModel } = snapshotAt(1);
const checkpointBytes = sizeOf(await saveCheckpoint(probe, probeSnapshot, probeModel, args));
rmSync(probe, { recursive: true, force: true });
// Room for one checkpoint and a half: the first fits, a second cannot be staged beside it.
const mounted = mountTmpfs(Math.ceil((1.5 * checkpointBytes) / 4096) * 4096);
const reason = typeof mounted === 'string' ? mounted : null;
if (reason) console.log(`disk-full specs skipped: ${reason}`);
afterAll(() => (typeof mounted === 'string' ? undefined : mounted.unmount()));

describe.skipIf(reason !== null)('writing on a full disk', () => {
  const disk = (): string => (mounted as { dir: string }).dir;

  it('a checkpoint that does not fit fails in one line naming it; the previous one survives whole and nothing is left half-written', async () => {
    const out = join(disk(), 'run');
    const first = snapshotAt(7);
    const kept = await saveCheckpoint(out, first.snapshot, first.model, args);
    const second = snapshotAt(8);
    const error = await saveCheckpoint(out, second.snapshot, second.model, args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as Error).message).toBe(`no space left on the device to write ${join(out, 'checkpoint-8')}; nothing was written under that name (free space, or choose another folder)`);
    expect(readdirSync(out)).toEqual(['checkpoint-7']);
    expect((await loadCheckpoint(kept)).state.global_step).toBe(7);
    // Replacing the same step on a full disk keeps the old folder as it was.
    const again = await saveCheckpoint(out, second.snapshot, second.model, args).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(DiskFullError);
    expect(sizeOf(kept)).toBe(checkpointBytes);
  });

  it('files published into a folder (an adapter, an export) never appear half-written', async () => {
    const out = join(disk(), 'final');
    const error = await publishFiles(out, async (staging) => {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(staging, 'adapter_config.json'), '{}');
      await writeFile(join(staging, 'adapter_model.safetensors'), Buffer.alloc(4 * checkpointBytes));
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiskFullError);
    expect((error as Error).message).toContain(`to write ${out};`);
    expect(readdirSync(out)).toEqual([]);
  });
});
