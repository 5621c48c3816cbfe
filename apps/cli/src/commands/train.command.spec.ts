import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SafetensorsFile } from '@tunekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Workspace, lines, maxAbsDiff, runCli, yesRecords } from '../testing/cli.test-support.js';

const CONFIG = `
model: model
method: lora
lora: { r: 4, lora_alpha: 8, target_modules: [q_proj, v_proj] }
data: { path: train.jsonl, max_length: 32 }
training:
  output_dir: out
  max_steps: 4
  per_device_train_batch_size: 4
  learning_rate: 1.0e-2
  logging_steps: 1
  save_steps: 2
`;

/** Records every event type in order: proves plugins load and their callbacks are attached. */
const RECORDING_PLUGIN = `
import { appendFileSync, mkdirSync } from 'node:fs';
export function register(container) {
  container.register(Symbol.for('tunekit.core.TrainerCallback'), { useValue: {
    name: 'recorder',
    attach(bus, args) {
      mkdirSync(args.output_dir, { recursive: true });
      return bus.events$.subscribe((e) => appendFileSync(args.output_dir + '/events.txt', e.type + '\\n'));
    },
  } });
}`;

/** Sends its own process a real signal (Ctrl-C's SIGINT, a preemption's SIGTERM) right after step 2. */
const interruptPlugin = (signal: string) => `
export function register(container) {
  container.register(Symbol.for('tunekit.core.TrainerCallback'), { useValue: {
    name: 'interrupt',
    attach: (bus) => bus.on('step').subscribe((e) => { if (e.step === 2) process.kill(process.pid, '${signal}'); }),
  } });
}`;

async function tensors(file: string): Promise<Map<string, Float32Array>> {
  const st = await SafetensorsFile.open(file);
  try {
    const out = new Map<string, Float32Array>();
    for await (const [name, t] of st.entries()) out.set(name, t.toFloat32());
    return out;
  } finally {
    await st.close();
  }
}

describe('tunekit train', () => {
  let ws: Workspace;
  let config: string;

  beforeAll(async () => {
    ws = await Workspace.create();
    await ws.jsonl('train.jsonl', yesRecords(16));
    await ws.jsonl('test.jsonl', yesRecords(4));
    await ws.write('recorder.mjs', RECORDING_PLUGIN);
    await ws.write('sigint.mjs', interruptPlugin('SIGINT'));
    await ws.write('sigterm.mjs', interruptPlugin('SIGTERM'));
    config = await ws.write('run.yaml', CONFIG);
  });
  afterAll(() => ws.remove());

  it('trains a LoRA adapter and leaves PEFT files, checkpoints and metrics in output_dir', async () => {
    // Run from another folder: every relative path in the config is the config's.
    const run = await runCli(['train', config, '--set', 'plugins=[./recorder.mjs]'], { cwd: '/' });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('trainable params: 1,792 || all params:');
    const out = ws.path('out');

    const adapterConfig = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8'));
    expect(adapterConfig).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 8, base_model_name_or_path: ws.model });
    expect([...adapterConfig.target_modules].sort()).toEqual(['q_proj', 'v_proj']);
    const adapter = await tensors(join(out, 'adapter_model.safetensors'));
    expect([...adapter.keys()].sort()).toEqual(
      [0, 1].flatMap((l) => ['q_proj', 'v_proj'].flatMap((m) => ['A', 'B'].map((ab) => `base_model.model.model.layers.${l}.self_attn.${m}.lora_${ab}.weight`))).sort(),
    );
    // Trained: B starts at zero in LoRA, so any non-zero B shows the optimizer reached the adapter.
    expect(Math.max(...[...adapter.entries()].filter(([k]) => k.includes('lora_B')).flatMap(([, v]) => [...v].map(Math.abs)))).toBeGreaterThan(0);

    const checkpoints = (await readdir(out)).filter((n) => n.startsWith('checkpoint-')).sort();
    expect(checkpoints).toEqual(['checkpoint-2', 'checkpoint-4']);
    expect((await readdir(join(out, 'checkpoint-4'))).sort()).toEqual(
      ['adapter_config.json', 'adapter_model.safetensors', 'optimizer.json', 'optimizer.safetensors', 'rng_state.json', 'scheduler.json', 'trainer_state.json', 'training_args.json'],
    );
    // The final adapter is the last step's weights, as the last checkpoint holds them.
    const last = await tensors(join(out, 'checkpoint-4', 'adapter_model.safetensors'));
    for (const [k, v] of adapter) expect(maxAbsDiff(v, last.get(k)!)).toBe(0);
    expect(existsSync(join(out, 'tokenizer.json'))).toBe(true);

    const metrics = lines(await readFile(join(out, 'metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l));
    expect(metrics.filter((m) => 'loss' in m).map((m) => m.step)).toEqual([1, 2, 3, 4]);
    expect(metrics.every((m) => Number.isFinite(m.loss ?? m.train_loss))).toBe(true);

    const events = lines(await readFile(join(out, 'events.txt'), 'utf8'));
    expect(events[0]).toBe('train_begin');
    expect(events.filter((e) => e === 'checkpoint')).toHaveLength(2);
    expect(events[events.length - 1]).toBe('train_end');
  });

  it.each([
    ['Ctrl-C', 'SIGINT', 130],
    ['a preemption', 'SIGTERM', 143],
  ])('saves a checkpoint on %s (%s), and resuming from it reaches the uninterrupted run\'s adapter', async (_, signal, code) => {
    const common = ['--set', 'training.max_steps=5', '--set', 'training.save_steps=100'];
    const straight = await runCli(['train', config, ...common, '--set', `training.output_dir=straight-${signal}`]);
    expect(straight.code).toBe(0);

    const out = `resumed-${signal}`;
    const interrupted = await runCli(['train', config, ...common, '--set', `training.output_dir=${out}`, '--set', `plugins=[./${signal.toLowerCase()}.mjs]`]);
    expect(interrupted.code).toBe(code);
    expect(lines(interrupted.stdout).at(-1)).toMatch(new RegExp(`^interrupted by ${signal} at step [23]; saved .*checkpoint-[23]; resume with --set training.resume_from_checkpoint=true$`));
    const saved = (await readdir(ws.path(out))).filter((n) => n.startsWith('checkpoint-'));
    expect(saved).toHaveLength(1);
    expect(existsSync(ws.path(`${out}/adapter_model.safetensors`))).toBe(false);

    const resumed = await runCli(['train', config, ...common, '--set', `training.output_dir=${out}`, '--set', 'training.resume_from_checkpoint=true']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`resuming at step ${saved[0].slice('checkpoint-'.length)}`);
    const a = await tensors(ws.path(`straight-${signal}/adapter_model.safetensors`));
    const b = await tensors(ws.path(`${out}/adapter_model.safetensors`));
    for (const [k, v] of a) expect(maxAbsDiff(v, b.get(k)!)).toBeLessThan(1e-6);
  });

  it('prints task accuracy before and after training as the last line', async () => {
    // Full fine-tuning: a random tiny model learns to answer " yes" in 40 steps (a zero-initialised LoRA on it needs far more).
    const run = await runCli([
      'train', config,
      '--set', 'method=full', '--set', 'lora=null',
      '--set', 'training={output_dir: full, max_steps: 40, per_device_train_batch_size: 4, learning_rate: 3.0e-3, lr_scheduler_type: constant, logging_steps: 10, save_strategy: "no"}',
      '--set', 'evaluation={path: test.jsonl, max_new_tokens: 4, batch_size: 3}',
      '--set', 'samples=["Q1:"]',
    ]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.at(-1)).toMatch(/^accuracy: \d+\.\d% -> \d+\.\d%$/);
    expect(out.at(-1)).toBe('accuracy: 0.0% -> 100.0%');
    expect(out).toContain('sample 1: "Q1:" -> " yes"');
    // method full leaves a whole Hugging Face checkpoint.
    expect((await readdir(ws.path('full'))).sort()).toEqual(
      ['config.json', 'generation_config.json', 'metrics.jsonl', 'model.safetensors', 'report.html', 'run_summary.json', 'tokenizer.json', 'tokenizer_config.json', 'training_loss.png'],
    );
  });

  it('pretrains from scratch (task pretrain, model.train_from_scratch) and saves a full checkpoint', async () => {
    await ws.jsonl('corpus.jsonl', Array.from({ length: 8 }, (_, i) => ({ text: `story ${i}: the cat sat on the mat and the dog ran home.` })));
    const run = await runCli([
      'train', config,
      '--set', `model={path: ${ws.model}, train_from_scratch: true}`,
      '--set', 'task=pretrain', '--set', 'method=full', '--set', 'lora=null', '--set', 'data={path: corpus.jsonl, format: text, max_length: 32}',
      '--set', 'training={output_dir: scratch, max_steps: 3, per_device_train_batch_size: 4, learning_rate: 1.0e-3, save_strategy: "no", logging_steps: 1}',
    ]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('from scratch');
    const base = await tensors(join(ws.model, 'model.safetensors'));
    const out = await tensors(ws.path('scratch/model.safetensors'));
    const q = 'model.layers.0.self_attn.q_proj.weight';
    // Neither the starting checkpoint's weights nor a copy of them: trained from a fresh init.
    expect(maxAbsDiff(out.get(q)!, base.get(q)!)).toBeGreaterThan(1e-3);
    const metrics = lines(await readFile(ws.path('scratch/metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l));
    expect(metrics.filter((m) => 'loss' in m)).toHaveLength(3);
  });

  it('stops early when eval_loss stops improving, and still saves the final adapter', async () => {
    const run = await runCli([
      'train', config,
      '--set', 'data.validation_split=0.25',
      // Any change smaller than the threshold is no improvement: the second evaluation stops the run.
      '--set', 'training={output_dir: early, max_steps: 6, per_device_train_batch_size: 4, per_device_eval_batch_size: 4, eval_strategy: steps, eval_steps: 1, save_strategy: "no", early_stopping_patience: 1, early_stopping_threshold: 100}',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^stopped at step 2: early stopping: eval_loss has not improved/m);
    const metrics = lines(await readFile(ws.path('early/metrics.jsonl'), 'utf8')).map((l) => JSON.parse(l));
    expect(metrics.filter((m) => 'eval_loss' in m).map((m) => m.step)).toEqual([1, 2]);
    expect(existsSync(ws.path('early/adapter_model.safetensors'))).toBe(true);
  });

  it.each([
    ['a NaN learning rate', ['--set', 'training.learning_rate=.nan'], /^tunekit train: --set training\.learning_rate: expected a finite number, got NaN$/],
    ['a misspelt training argument', ['--set', 'training.lerning_rate=1e-4'], /^tunekit train: --set training\.lerning_rate: unknown key \(did you mean "learning_rate"\?\)$/],
    ['an unknown section', ['--set', 'trainig.seed=1'], /^tunekit train: --set trainig\.seed: trainig: unknown key \(did you mean "training"\?\)$/],
    ['a bad LoRA rank', ['--set', 'lora.r=0'], /^tunekit train: --set lora\.r: expected a positive integer, got 0$/],
    ['a malformed --set', ['--set', 'training.seed'], /^tunekit train: --set training\.seed: expected key\.path=value/],
  ])('reports %s in one line, exit code 2, no stack trace', async (_, args, message) => {
    const run = await runCli(['train', config, ...args]);
    expect(run.code).toBe(2);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(message);
  });

  it('names the file and line of a bad value in the config file', async () => {
    const bad = await ws.write('bad.yaml', CONFIG.replace('r: 4', 'r: four'));
    const run = await runCli(['train', bad]);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`tunekit train: ${bad}:4: lora.r: expected a positive integer, got "four"`);
  });

  it('stops on a non-finite loss with a one-line error naming the step, and TUNEKIT_DEBUG=1 adds the stack', async () => {
    const args = ['train', config, '--set', 'method=full', '--set', 'lora=null', '--set', 'training.learning_rate=1e30', '--set', 'training.max_grad_norm=0'];
    const run = await runCli([...args, '--set', 'training.output_dir=nan']);
    expect(run.code).toBe(1);
    expect(lines(run.stderr).at(-1)).toMatch(
      /^tunekit train: loss is (NaN|Inf|-Inf) at step \d+ \(epoch 0, batch \d+, first row train\.jsonl:\d+\); last good checkpoint: none; training\.skip_nonfinite_steps: true skips such steps$/,
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const debug = await runCli([...args, '--set', 'training.output_dir=nan-debug'], { env: { TUNEKIT_DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/NonFiniteLossError[^\n]*\n\s+at /);
  });
});
