import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mountTmpfs } from '@tunekit/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, runCli } from '../testing/cli.test-support.js';

// 64 KiB: the tiny model's GGUF (about 0.4 MB) cannot fit.
const mounted = mountTmpfs(64 * 1024);
const reason = typeof mounted === 'string' ? mounted : null;
if (reason) console.log(`export disk-full spec skipped: ${reason}`);
afterAll(() => (typeof mounted === 'string' ? undefined : mounted.unmount()));

describe.skipIf(reason !== null)('tunekit export onto a full disk', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await Workspace.create();
  });
  afterAll(() => ws.remove());

  it('fails in one line naming the output folder, and leaves nothing under that name', async () => {
    const out = join((mounted as { dir: string }).dir, 'gguf');
    const run = await runCli(['export', '--format', 'gguf', '--model', ws.model, '--out', out]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([`tunekit export: no space left on the device to write ${out}; nothing was written under that name (free space, or choose another folder)`]);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync((mounted as { dir: string }).dir)).toEqual([]);
  });
});
