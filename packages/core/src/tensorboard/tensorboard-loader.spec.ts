import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventFileWriter } from './event-file.writer.js';

/** TensorBoard's own loader, run by Python: prints {tag: [[step, value], ...]} for a log folder. */
const LOADER = `
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1]); acc.Reload()
print(json.dumps({t: [[e.step, e.value] for e in acc.Scalars(t)] for t in acc.Tags()["scalars"]}))
`;

const python = (args: string[]) => spawnSync('python3', args, { encoding: 'utf8' });
const probe = python(['-c', 'import tensorboard']);
const missing = probe.error ? `python3 is not installed (${probe.error.message})` : probe.status !== 0 ? `Python's tensorboard is not installed: ${probe.stderr.trim().split('\n').at(-1)}` : null;
if (missing) console.log(`skipping TensorBoard's own loader check: ${missing}`);

describe.skipIf(missing !== null)("TensorBoard's own loader", () => {
  it('reads every scalar of our event file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-tb-'));
    const writer = new EventFileWriter(dir);
    writer.add(1, { 'train/loss': 2.5, 'train/learning_rate': 1e-4 });
    writer.add(2, { 'train/loss': 2.25, 'eval/loss': 3 });
    writer.close();
    const run = python(['-c', LOADER, dir]);
    expect(run.stderr).not.toMatch(/Traceback/);
    expect(JSON.parse(run.stdout)).toEqual({
      'train/loss': [
        [1, 2.5],
        [2, 2.25],
      ],
      'train/learning_rate': [[1, Math.fround(1e-4)]],
      'eval/loss': [[2, 3]],
    });
  });
});
