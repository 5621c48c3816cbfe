import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Parameter } from '../ir/parameter.js';
import { AdamW } from '../optim/adamw.optimizer.js';
import { LrScheduler } from '../optim/lr-schedule.js';
import { Rng } from '../random/rng.js';
import { type ModelCheckpointer, TrainableParametersCheckpointer } from './model-checkpointer.js';
import { latestCheckpoint, listCheckpoints, loadCheckpoint, rotateCheckpoints, saveCheckpoint } from './trainer-checkpoint.js';
import { initialTrainerState } from './trainer-state.js';
import { args, tempDir } from './trainer.test-support.js';

function setup() {
  const w = Parameter.fromValues([2, 3], [1, 2, 3, 4, 5, 6]);
  const b = Parameter.fromValues([3], [0.5, 0.25, 0.125]);
  const named: [string, Parameter][] = [
    ['layer.weight', w],
    ['layer.bias', b],
  ];
  named.forEach(([name, p]) => (p.name = name));
  const optimizer = new AdamW(named.map(([, p]) => p));
  const scheduler = new LrScheduler(optimizer, 'cosine', { warmupSteps: 1, totalSteps: 10 });
  named.forEach(([, p]) => (p.grad = Float32Array.from(p.value.toFloat32(), (x) => x / 10)));
  optimizer.step();
  scheduler.step();
  const rng = new Rng(5);
  rng.uniform();
  const state = { ...initialTrainerState(), global_step: 7, data_position: { epoch: 1, batch: 3 }, log_history: [{ loss: 1.5, step: 7 }] };
  const snapshot = { state, optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(), rngs: { 'drop.rng': rng.getState() } };
  return { named, snapshot, model: new TrainableParametersCheckpointer({ namedParameters: () => named }) };
}

describe('trainer checkpoints', () => {
  it('round-trip weights, optimizer moments, scheduler, RNG and trainer state', async () => {
    const dir = tempDir();
    const { named, snapshot, model } = setup();
    const path = await saveCheckpoint(dir, snapshot, model, args({ output_dir: dir }));
    expect(path).toBe(join(dir, 'checkpoint-7'));
    expect(readdirSync(path).sort()).toEqual(['model.safetensors', 'optimizer.json', 'optimizer.safetensors', 'rng_state.json', 'scheduler.json', 'trainer_state.json', 'training_args.json']);
    expect(readdirSync(dir)).toEqual(['checkpoint-7']); // no temporary left behind

    const loaded = await loadCheckpoint(path);
    expect(loaded).toEqual({ ...snapshot, args: JSON.parse(JSON.stringify(args({ output_dir: dir }))) });
    const before = named.map(([, p]) => Array.from(p.value.toFloat32()));
    named.forEach(([, p]) => p.assign(Parameter.fromValues(p.shape, new Array(p.size).fill(0)).value));
    await model.load(path);
    expect(named.map(([, p]) => Array.from(p.value.toFloat32()))).toEqual(before);
  });

  it('a failing save leaves neither a checkpoint nor a temporary directory, and keeps the previous one', async () => {
    const dir = tempDir();
    const { snapshot, model } = setup();
    await saveCheckpoint(dir, snapshot, model, args({ output_dir: dir }));
    const failing: ModelCheckpointer = {
      save: async (d) => {
        writeFileSync(join(d, 'partial.bin'), 'x');
        throw new Error('disk full');
      },
      load: async () => undefined,
    };
    await expect(saveCheckpoint(dir, { ...snapshot, state: { ...snapshot.state, global_step: 8 } }, failing, args({ output_dir: dir }))).rejects.toThrow('disk full');
    await expect(saveCheckpoint(dir, snapshot, failing, args({ output_dir: dir }))).rejects.toThrow('disk full');
    expect(readdirSync(dir)).toEqual(['checkpoint-7']);
    expect((await loadCheckpoint(join(dir, 'checkpoint-7'))).state.global_step).toBe(7);
  });

  it('rejects a corrupted trainer_state.json by name', async () => {
    const dir = tempDir();
    const { snapshot, model } = setup();
    const path = await saveCheckpoint(dir, snapshot, model, args({ output_dir: dir }));
    writeFileSync(join(path, 'trainer_state.json'), JSON.stringify({ ...snapshot.state, global_step: -1, data_position: null }));
    await expect(loadCheckpoint(path)).rejects.toThrow(`${join(path, 'trainer_state.json')}: missing or malformed field(s) global_step, data_position`);
    await expect(loadCheckpoint(dir)).rejects.toThrow('not a checkpoint');
  });

  it('lists by step (not by name), skips temporaries, and rotates like HF keeping the best and the latest', async () => {
    const dir = tempDir();
    for (const name of ['checkpoint-2', 'checkpoint-10', 'checkpoint-4', 'checkpoint-6', '.checkpoint-8.tmp-1-ab', 'checkpoint-x']) mkdirSync(join(dir, name));
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([2, 4, 6, 10]);
    expect(await latestCheckpoint(dir)).toBe(join(dir, 'checkpoint-10'));
    expect(await latestCheckpoint(join(dir, 'missing'))).toBeNull();

    expect(await rotateCheckpoints(dir, 2, join(dir, 'checkpoint-4'))).toEqual([join(dir, 'checkpoint-2'), join(dir, 'checkpoint-6')]);
    expect((await listCheckpoints(dir)).map((c) => c.step)).toEqual([4, 10]);
    // Limit 1 keeps two while the best is not the latest...
    expect(await rotateCheckpoints(dir, 1, join(dir, 'checkpoint-4'))).toEqual([]);
    // ...and one when it is, or when there is no best.
    expect(await rotateCheckpoints(dir, 1, join(dir, 'checkpoint-10'))).toEqual([join(dir, 'checkpoint-4')]);
    expect(await rotateCheckpoints(dir, null, null)).toEqual([]);
  });
});
