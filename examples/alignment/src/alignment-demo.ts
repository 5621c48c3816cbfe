/**
 * The alignment demonstration, step by step: a starting model (the quickstart model partway through
 * its SFT, merged); an SFT stage from it and a reward model on the SFT model; DPO (sigmoid, ipo, and
 * RPO's sigmoid + sft) and ORPO runs from the start, each measured on the held-out pairs and
 * questions before and after.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { policyPreference, untrainedRewardModel } from './pair-accuracy.js';
import { PARTWAY_EVERY, partwayCheckpoint } from './partway-start.js';
import { accuracyLine, tunekit } from './tunekit-cli.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const CONFIGS = { dpo: here('../dpo.yaml'), orpo: here('../orpo.yaml'), reward: here('../reward.yaml'), sft: here('../sft.yaml'), quickstart: here('../../quickstart.yaml') };
export const HELD_OUT = { pairs: here('../data/pairs-test.jsonl'), questions: here('../../data/quickstart-test.jsonl') };

/** The seed every config uses (the reward head's initial draw depends on it). */
const SEED = 42;
/** β of the implicit reward `tunekit score` reports, as in dpo.yaml. */
const BETA = 0.1;

/** The preference runs compared, each a config plus overrides; `reference` says whether DPO's implicit reward applies. */
export const POLICY_RUNS = [
  { name: 'dpo (sigmoid)', config: CONFIGS.dpo, dir: 'dpo', sets: [], reference: true },
  { name: 'dpo (ipo)', config: CONFIGS.dpo, dir: 'ipo', sets: ['dpo.loss_type=ipo'], reference: true },
  // RPO (TRL: loss_type [sigmoid, sft]): DPO plus the chosen answer's NLL, weighted 1:1.
  { name: 'dpo (rpo: sigmoid + sft)', config: CONFIGS.dpo, dir: 'rpo', sets: ['dpo.loss_type=[sigmoid, sft]', 'dpo.loss_weights=[1.0, 1.0]'], reference: true },
  { name: 'orpo', config: CONFIGS.orpo, dir: 'orpo', sets: [], reference: false },
] as const;

export interface DemoOptions {
  /** Folder of the runs: `start` (the warmed-up model), `sft` (merged) and its adapter, `reward`, `dpo`, `ipo`, `rpo`, `orpo`. */
  readonly runs: string;
  /**
   * The start is the quickstart's SFT (its 2,400-step schedule as shipped) at this step's checkpoint,
   * merged; it is reused when it exists.
   */
  readonly warmupSteps: number;
  /** Start from this model folder instead of building the warmed-up one. */
  readonly start?: string;
  /** Training steps of every alignment run (the configs' own max_steps when absent). */
  readonly steps?: number;
  /** Held-out exact match on the first N questions only (all 200 when absent). */
  readonly questions?: number;
  /** The runs to do, by name (all of POLICY_RUNS when absent). */
  readonly policies?: readonly (typeof POLICY_RUNS)[number]['name'][];
  /** Skip the SFT stage and the reward model. */
  readonly skipReward?: boolean;
  readonly echo?: boolean;
}

export interface BeforeAfter {
  readonly before: number;
  readonly after: number;
}

export interface PolicyResult {
  readonly name: string;
  /** The policy ranks chosen above rejected by its own log-probs. */
  readonly preference: BeforeAfter;
  /** DPO's implicit reward β·(log π − log π_ref) ranks chosen above rejected (`tunekit score --reference`); null without a reference. */
  readonly implicitReward: number | null;
  /** Greedy exact match on the held-out questions (the run's `accuracy:` line). */
  readonly exactMatch: BeforeAfter;
  readonly seconds: number;
}

export interface DemoResult {
  /** The SFT stage the reward model starts from: held-out exact match before and after. */
  readonly sft: (BeforeAfter & { readonly seconds: number }) | null;
  readonly reward: (BeforeAfter & { readonly seconds: number }) | null;
  readonly policies: readonly PolicyResult[];
}

const seconds = (since: number) => (performance.now() - since) / 1000;
const setArgs = (sets: readonly string[]) => sets.flatMap((s) => ['--set', s]);

/**
 * The quickstart model at step `warmupSteps` of the quickstart's own SFT schedule (or the latest
 * checkpoint before it still under half right, where the model learns sooner: partway-start.ts),
 * merged: the start of every run. Partway through, the model has begun to copy the story's colour
 * (it does on about a fifth of the held-out questions and guesses among the seven colours on the
 * rest); stopping the schedule early instead (a shorter cosine) leaves it before that point.
 */
export async function startModel(o: Pick<DemoOptions, 'runs' | 'warmupSteps' | 'start' | 'echo'>): Promise<string> {
  if (o.start) return o.start;
  const start = join(o.runs, 'start');
  if (existsSync(join(start, 'model.safetensors'))) return start;
  const warmup = join(o.runs, 'sft-warmup');
  await tunekit(['train', CONFIGS.quickstart, ...setArgs([`training.save_steps=${PARTWAY_EVERY}`, `training.output_dir=${warmup}`, 'samples=null'])], o.echo);
  const partway = await partwayCheckpoint(warmup, o.warmupSteps, 0.5, o.echo);
  if (o.echo) console.log(`start: the quickstart at step ${partway.step} (${(partway.accuracy * 100).toFixed(1)}% held out)`);
  await tunekit(['merge', '--model', here('../../quickstart-model'), '--adapter', partway.dir, '--out', start], o.echo);
  return start;
}

/** The overrides every alignment run gets: the start model, its own output folder, the shortened schedule. */
function runSets(o: DemoOptions, start: string, dir: string): string[] {
  const out = join(o.runs, dir);
  const steps = o.steps === undefined ? [] : [`training.max_steps=${o.steps}`, `training.save_steps=${o.steps}`];
  const limit = o.questions === undefined ? [] : [`evaluation.limit=${o.questions}`];
  // The demo owns its run folders: running it again retrains every stage over the last one.
  return [`model=${start}`, `training.output_dir=${out}`, 'training.overwrite_output_dir=true', ...steps, ...limit];
}

const scoreJson = async (args: string[]): Promise<number> => (JSON.parse((await tunekit(['score', ...args, '--data', HELD_OUT.pairs, '--json'], false)).trim()) as { accuracy: number }).accuracy;

/** The SFT stage (sft.yaml) from the start, merged into `runs/sft`: the model the reward model starts from. */
async function sftModel(o: DemoOptions, start: string): Promise<{ model: string; result: NonNullable<DemoResult['sft']> }> {
  const t = performance.now();
  const adapter = join(o.runs, 'sft-adapter');
  const stdout = await tunekit(['train', CONFIGS.sft, ...setArgs(runSets(o, start, 'sft-adapter'))], o.echo, '[sft] ');
  const model = join(o.runs, 'sft');
  // The demo owns its run folders (see runSets): a rerun merges over the last one, which `merge` would refuse.
  await rm(model, { recursive: true, force: true });
  await tunekit(['merge', '--model', start, '--adapter', adapter, '--out', model], false);
  return { model, result: { ...accuracyLine(stdout), seconds: seconds(t) } };
}

/** The reward model on the SFT model's backbone, held-out pairs ranked before (a new head) and after. */
async function rewardModel(o: DemoOptions, base: string): Promise<NonNullable<DemoResult['reward']>> {
  const before = (await untrainedRewardModel(base, SEED, HELD_OUT.pairs)).accuracy;
  const t = performance.now();
  const sets = runSets(o, base, 'reward').filter((s) => !s.startsWith('evaluation.'));
  await tunekit(['train', CONFIGS.reward, ...setArgs(sets)], o.echo, '[reward] ');
  const took = seconds(t);
  const after = await scoreJson(['--model', base, '--adapter', join(o.runs, 'reward')]);
  return { before, after, seconds: took };
}

/** SFT, then the reward model on it: the classic plan's first two stages. */
async function sftThenReward(o: DemoOptions, start: string): Promise<Pick<DemoResult, 'sft' | 'reward'>> {
  const sft = await sftModel(o, start);
  return { sft: sft.result, reward: await rewardModel(o, sft.model) };
}

/**
 * The reward model's folder (`runs/reward`, a SEQ_CLS adapter on `runs/sft`), built with the start
 * and the SFT stage when it is absent: PPO's demonstration (examples/grpo/ppo) scores with it.
 */
export async function builtRewardModel(o: Pick<DemoOptions, 'runs' | 'warmupSteps' | 'echo'>): Promise<string> {
  const dir = join(o.runs, 'reward');
  if (!existsSync(join(dir, 'adapter_model.safetensors'))) await sftThenReward(o, await startModel(o));
  return dir;
}

async function policyRun(o: DemoOptions, start: string, run: (typeof POLICY_RUNS)[number], preferenceBefore: number): Promise<PolicyResult> {
  const t = performance.now();
  const out = join(o.runs, run.dir);
  const stdout = await tunekit(['train', run.config, ...setArgs([...run.sets, ...runSets(o, start, run.dir)])], o.echo, `[${run.dir}] `);
  const took = seconds(t);
  const after = (await policyPreference(start, out, HELD_OUT.pairs)).accuracy;
  const implicitReward = run.reference ? await scoreJson(['--model', start, '--adapter', out, '--reference', start, '--beta', String(BETA)]) : null;
  return { name: run.name, preference: { before: preferenceBefore, after }, implicitReward, exactMatch: accuracyLine(stdout), seconds: took };
}

/**
 * The warm-up, then the SFT stage and reward model beside the preference runs: each is one process
 * using a core or two, and on a busy machine runs side by side get their share of it sooner.
 */
export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const start = await startModel(o);
  const preferenceBefore = (await policyPreference(start, null, HELD_OUT.pairs)).accuracy;
  const runs = POLICY_RUNS.filter((r) => !o.policies || o.policies.includes(r.name));
  const [stages, policies] = await Promise.all([o.skipReward ? { sft: null, reward: null } : sftThenReward(o, start), Promise.all(runs.map((run) => policyRun(o, start, run, preferenceBefore)))]);
  return { ...stages, policies };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The demo's last lines: one per model, before -> after, like the quickstart's `accuracy:` line. */
export function resultLines(r: DemoResult): string[] {
  const lines: string[] = [];
  if (r.sft) lines.push(`sft (the reward model's base): exact match ${pct(r.sft.before)} -> ${pct(r.sft.after)} (${r.sft.seconds.toFixed(0)} s)`);
  if (r.reward) lines.push(`reward model: held-out pairs ranked right ${pct(r.reward.before)} -> ${pct(r.reward.after)} (${r.reward.seconds.toFixed(0)} s)`);
  for (const p of r.policies) {
    const implicit = p.implicitReward === null ? '' : `, implicit reward ${pct(p.implicitReward)}`;
    lines.push(`${p.name}: preference ${pct(p.preference.before)} -> ${pct(p.preference.after)}${implicit}; exact match ${pct(p.exactMatch.before)} -> ${pct(p.exactMatch.after)} (${p.seconds.toFixed(0)} s)`);
  }
  return lines;
}
