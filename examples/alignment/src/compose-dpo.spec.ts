import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { trainDpo } from './compose-dpo.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

describe('the README\'s DPO composed without the CLI', () => {
  it('trains the quickstart model on the demo\'s pairs: the loss starts at ln 2 (the policy is its reference) and the chosen answers pull ahead', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tunekit-compose-dpo-'));
    // The same 16 pairs each step (batch 8, two batches), so four steps revisit them.
    const pairs = join(dir, 'pairs.jsonl');
    writeFileSync(pairs, readFileSync(here('../data/pairs-train.jsonl'), 'utf8').split('\n').slice(0, 16).join('\n'));
    const { result, logHistory } = await trainDpo(here('../../quickstart-model'), pairs, join(dir, 'out'), 6);
    expect(result.globalStep).toBe(6);
    const logged = logHistory.filter((e) => 'rewards/margins' in e) as Record<string, number>[];
    expect(logged[0].loss).toBeCloseTo(Math.LN2, 5);
    expect(logged[0]['rewards/margins']).toBeCloseTo(0, 6);
    expect(logged.at(-1)!['rewards/margins']).toBeGreaterThan(0.01);
    expect(logged.at(-1)!.loss).toBeLessThan(Math.LN2 - 0.005);
    expect(existsSync(join(dir, 'out', 'adapter_model.safetensors'))).toBe(true);
  }, 300_000);
});
