import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { QUICKSTART_PARTWAY_STEP, fineTunedQuickstart } from '../../../apps/cli/src/testing/quickstart-run.test-support.js';
import { resultLines, runDemo } from './alignment-demo.js';
import { partwayCheckpoint } from './partway-start.js';
import { tunekit } from './tunekit-cli.js';

const quickstartModel = fileURLToPath(new URL('../../quickstart-model', import.meta.url));
/** The partway test: the runs' steps and the held-out questions scored (the demo runs 400 steps and all 200 questions). */
const STEPS = 100;
const QUESTIONS = 50;
/** The least gain each run must show (the full demo, 400 steps on all 200 questions: RPO 40.5% -> 96.0%, ORPO 40.5% -> 99.0%). */
const MIN_GAIN = 0.1;

const logged = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).filter((m) => 'loss' in m);

describe('the alignment demo, shortened', () => {
  it('runs reward.yaml and dpo.yaml through tunekit train from the quickstart model and measures them as the demo does', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'tunekit-alignment-demo-'));
    // The quickstart model without the SFT warm-up, 20 steps instead of 300-400, exact match on 20 held-out questions.
    const result = await runDemo({ runs, warmupSteps: 0, start: quickstartModel, steps: 20, questions: 20, policies: ['dpo (sigmoid)'], echo: false });
    const [dpo] = result.policies;
    // A new score head ranks the held-out pairs at about chance; the base model has never answered a question.
    expect(result.sft!.before).toBe(0);
    expect(result.reward!.before).toBeGreaterThan(0.3);
    expect(result.reward!.before).toBeLessThan(0.7);
    expect(dpo.exactMatch.before).toBe(0);
    for (const x of [result.reward!.after, dpo.preference.before, dpo.preference.after, dpo.implicitReward!, dpo.exactMatch.after]) expect(x).toBeGreaterThanOrEqual(0);
    // Both losses start at ln 2 (a new head scores near 0; the policy is its reference) and stay near it in 20 steps.
    for (const dir of ['reward', 'dpo']) expect(Math.abs(logged(join(runs, dir))[0].loss - Math.LN2)).toBeLessThan(0.05);
    expect(resultLines(result)).toEqual([expect.stringMatching(/^sft \(the reward model's base\): exact match 0\.0% -> [\d.]+% \(\d+ s\)$/), expect.stringMatching(/^reward model: held-out pairs ranked right [\d.]+% -> [\d.]+% \(\d+ s\)$/), expect.stringMatching(/^dpo \(sigmoid\): preference [\d.]+% -> [\d.]+%, implicit reward [\d.]+%; exact match 0\.0% -> [\d.]+% \(\d+ s\)$/)]);
  }, 900_000);

  it('from the quickstart partway through its SFT (the demo start), DPO in its RPO form and ORPO raise held-out exact match and preference accuracy', async () => {
    const quickstart = await fineTunedQuickstart();
    expect(quickstart.code).toBe(0);
    const partway = await partwayCheckpoint(quickstart.dir, QUICKSTART_PARTWAY_STEP);
    console.log(`alignment partway start: quickstart step ${partway.step} (${(partway.accuracy * 100).toFixed(1)}% held out; the demo's is step ${QUICKSTART_PARTWAY_STEP})`);
    const runs = mkdtempSync(join(tmpdir(), 'tunekit-alignment-partway-'));
    const start = join(runs, 'start');
    await tunekit(['merge', '--model', quickstartModel, '--adapter', partway.dir, '--out', start], false);
    const result = await runDemo({ runs, warmupSteps: partway.step, start, steps: STEPS, questions: QUESTIONS, policies: ['dpo (rpo: sigmoid + sft)', 'orpo'], skipReward: true, echo: false });
    console.log(resultLines(result).join('\n'));
    for (const p of result.policies) {
      expect(p.exactMatch.after - p.exactMatch.before, p.name).toBeGreaterThanOrEqual(MIN_GAIN);
      expect(p.preference.after, p.name).toBeGreaterThan(p.preference.before);
    }
  }, 1_800_000);
});
