import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BNB_CONFIG_DEFAULTS } from '@tunekit/qlora';
import { container as rootContainer } from 'tsyringe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerBuiltins } from '../builtins.js';
import { registries } from '../training/run-container.js';
import { CliError } from '../cli-error.js';
import { readConfigDocument } from './config-document.js';
import { EXAMPLE_CONFIG } from './example-config.js';
import { parseRunConfig } from './run-config.js';
import type { RunConfig } from './run-config.types.js';

const builtins = rootContainer.createChildContainer();
registerBuiltins(builtins);
const registered = registries(builtins);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tunekit-config-'));
  await mkdir(join(root, 'cfg', 'models', 'tiny'), { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

/** Writes `text` as cfg/run.yaml and parses it with the overrides. */
async function parse(text: string, sets: string[] = []): Promise<RunConfig> {
  const file = join(root, 'cfg', 'run.yaml');
  await writeFile(file, text);
  const doc = await readConfigDocument(file, sets);
  return parseRunConfig(doc.raw, { ...doc, ...registered });
}

/** The one-line message a config mistake produces, with the temp folder shortened to `run.yaml`. */
async function problem(text: string, sets: string[] = []): Promise<string> {
  const error = await parse(text, sets).then(
    () => expect.unreachable('the config should be rejected'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  expect((error as CliError).exitCode).toBe(2);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message.replaceAll(`${join(root, 'cfg')}/`, '');
}

const MINIMAL = 'model: org/model\ndata: { path: train.jsonl }\n';

describe('parseRunConfig', () => {
  it('fills defaults and resolves relative paths against the config file\'s folder', async () => {
    const config = await parse(`
model: models/tiny
lora: { r: 16, lora_alpha: 32, target_modules: [q_proj, v_proj] }
data: { path: data/train.jsonl, max_length: 128 }
training: { output_dir: runs/x, learning_rate: 2.0e-4, resume_from_checkpoint: runs/x/checkpoint-4, logging_dir: tb/x }
evaluation: { path: data/test.jsonl }
seed: 7
`);
    const dir = join(root, 'cfg');
    expect(config.model).toEqual({ path: join(dir, 'models/tiny'), dtype: 'f32' });
    expect(config.baseDir).toBe(dir);
    expect(config).toMatchObject({ task: 'sft', taskConfig: null, executor: 'ort', method: 'lora', seed: 7, samples: [], plugins: [] });
    expect(config.methodConfig).toMatchObject({ r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'], lora_dropout: 0 });
    // Data paths stay as written: loadDataset resolves them from baseDir and prints them as written.
    expect(config.data).toMatchObject({ path: 'data/train.jsonl', max_length: 128, seed: 7, format: 'auto', packing: false });
    expect(config.training).toMatchObject({ output_dir: join(dir, 'runs/x'), learning_rate: 2e-4, seed: 7, resume_from_checkpoint: join(dir, 'runs/x/checkpoint-4'), logging_dir: join(dir, 'tb/x') });
    expect(config.evaluation).toEqual({ path: join(dir, 'data/test.jsonl'), metric: 'exact_match', max_new_tokens: 32, chat: false, batch_size: 8, limit: null });
  });

  it('keeps a Hub id that is not a local folder, and reads the mapping form of model', async () => {
    expect((await parse(MINIMAL)).model).toEqual({ path: 'org/model', dtype: 'f32' });
    const config = await parse('model: { path: org/model, revision: v1, dtype: bf16 }\ndata: { path: train.jsonl }\n');
    expect(config.model).toEqual({ path: 'org/model', revision: 'v1', dtype: 'bf16' });
  });

  it('takes the task\'s defaults (pretrain: full fine-tuning on plain text), which explicit values override', async () => {
    const pretrain = await parse(`task: pretrain\n${MINIMAL}`);
    expect(pretrain).toMatchObject({ method: 'full', methodConfig: null });
    expect(pretrain.data).toMatchObject({ format: 'text', train_on_inputs: true });
    const explicit = await parse(`task: pretrain\nmethod: lora\n${MINIMAL.replace('{ path: train.jsonl }', '{ path: train.jsonl, format: messages }')}`);
    expect(explicit.method).toBe('lora');
    expect(explicit.data.format).toBe('messages');
  });

  it('accepts every TrainingArguments name HF defines: a warning for what cannot apply, an error at its line for what would change the math', async () => {
    const pasted = await parse(`${MINIMAL}training:\n  bf16: true\n  report_to_hub: true\n  do_train: true\n  torch_compile: false\n`).catch((e: Error) => e);
    // A name that is not HF's stays an error.
    expect(pasted).toBeInstanceOf(CliError);
    const config = await parse(`${MINIMAL}training:\n  bf16: true\n  do_train: true\n  torch_compile: false\n  dataloader_num_workers: 2\n`);
    expect(config.warnings).toEqual([
      expect.stringMatching(/^training\.bf16: true has no effect here: the CPU executor computes in float32/),
      expect.stringMatching(/^training\.dataloader_num_workers: 2 has no effect here: rows are tokenized up front/),
    ]);
    expect(await problem(`${MINIMAL}training:\n  bf16: true\n  label_smoothing_factor: 0.1\n`)).toBe(
      "run.yaml:5: training.label_smoothing_factor: 0.1 is not supported: the built-in tasks do not smooth labels (the example plugin's smoothed_sft task does) (only 0, HF's default, is accepted)",
    );
  });

  it('accepts the example config `tunekit init` writes', async () => {
    const config = await parse(EXAMPLE_CONFIG);
    expect(config).toMatchObject({ method: 'lora', model: { path: 'HuggingFaceTB/SmolLM2-135M-Instruct' } });
    expect(config.training).toMatchObject({ eval_strategy: 'epoch', lr_scheduler_type: 'cosine', learning_rate: 2e-4 });
  });

  it.each([
    ['a top-level key', `${MINIMAL}trainnig: {}\n`, 'run.yaml:3: trainnig: unknown key (did you mean "training"?)'],
    ['a training argument', `${MINIMAL}training:\n  output_dir: x\n  lerning_rate: 1\n`, 'run.yaml:5: training.lerning_rate: unknown key (did you mean "learning_rate"?)'],
    ['a data key', 'model: org/model\ndata:\n  path: train.jsonl\n  max_lenght: 10\n', 'run.yaml:4: data.max_lenght: unknown key (did you mean "max_length"?)'],
    ['a LoRA option', `${MINIMAL}lora:\n  lora_alpah: 8\n`, 'run.yaml:4: lora.lora_alpah: unknown key (did you mean "lora_alpha"?)'],
    ['an evaluation key', `${MINIMAL}evaluation: { path: t.jsonl, metrc: contains }\n`, 'run.yaml:3: evaluation.metrc: unknown key (did you mean "metric"?)'],
    ['a model key', 'model: { path: org/model, dtyp: bf16 }\ndata: { path: x.jsonl }\n', 'run.yaml:1: model.dtyp: unknown key (did you mean "dtype"?)'],
    ['a method', `method: lroa\n${MINIMAL}`, 'run.yaml:1: method: unknown method "lroa" (did you mean "lora"?)'],
    ['a task', `task: pretrian\n${MINIMAL}`, 'run.yaml:1: task: unknown task "pretrian" (did you mean "pretrain"?)'],
    ['an executor', `executor: refrence\n${MINIMAL}`, 'run.yaml:1: executor: unknown executor "refrence" (did you mean "reference"?)'],
  ])('rejects a misspelt %s with a did-you-mean and its line', async (_, text, message) => {
    expect(await problem(text)).toBe(message);
  });

  it.each([
    ['lora.r', `${MINIMAL}lora:\n  r: 0\n`, 'run.yaml:4: lora.r: expected a positive integer, got 0'],
    ['data.max_length', 'model: org/model\ndata: { path: x.jsonl, max_length: -5 }\n', 'run.yaml:2: data.max_length: expected a positive integer, got -5'],
    ['training.learning_rate', `${MINIMAL}training:\n  learning_rate: fast\n`, 'run.yaml:4: training.learning_rate: must be a number >= 0, got "fast" (string)'],
    // Relations between keys are reported under the key the package's error names, from its key path.
    ['training.early_stopping_patience', `${MINIMAL}training:\n  early_stopping_patience: 2\n`, "run.yaml:4: training.early_stopping_patience: needs an eval_strategy other than 'no'"],
    ['quantization.llm_int8_has_fp16_weight', `${MINIMAL}quantization:\n  load_in_8bit: true\n  llm_int8_has_fp16_weight: true\n`, 'run.yaml:5: quantization.llm_int8_has_fp16_weight: true keeps trainable 16-bit main weights, which TuneKit does not implement; Linear8bit holds frozen int8 weights (train adapters on them with LoRA)'],
    ['training.warmup_ratio as NaN', `${MINIMAL}training:\n  warmup_ratio: .nan\n`, 'run.yaml:4: training.warmup_ratio: expected a finite number, got NaN'],
    ['model.dtype', 'model: { path: org/model, dtype: f16 }\ndata: { path: x.jsonl }\n', 'run.yaml:1: model.dtype: expected one of f32 | bf16, got "f16"'],
    ['evaluation.metric', `${MINIMAL}evaluation:\n  path: t.jsonl\n  metric: bleu\n`, 'run.yaml:5: evaluation.metric: expected one of exact_match | contains, got "bleu"'],
    ['seed', `${MINIMAL}seed: -1\n`, 'run.yaml:3: seed: expected an integer in [0, 2^32), got -1'],
    ['samples', `${MINIMAL}samples: hello\n`, 'run.yaml:3: samples: expected a list of non-empty strings, got "hello"'],
    ['a missing data section', 'model: org/model\n', 'run.yaml:1: data: required: at least { path: FILE }'],
  ])('names the key path and line of a wrong %s', async (_, text, message) => {
    expect(await problem(text)).toBe(message);
  });

  it('rejects options for a method the run does not use, and evaluation without validation data', async () => {
    expect(await problem(`method: full\n${MINIMAL}lora: { r: 4 }\n`)).toBe('run.yaml:4: lora: options for method "lora", but method is "full"');
    expect(await problem(`${MINIMAL}training:\n  eval_strategy: steps\n`)).toBe(
      'run.yaml:4: training.eval_strategy: "steps" needs validation data: set data.validation_split or data.validation_path',
    );
  });

  it('reports YAML syntax errors and duplicate keys at their line and column', async () => {
    expect(await problem(`${MINIMAL}seed: a: b\n`)).toMatch(/^run\.yaml:3:7: Nested mappings are not allowed in compact mappings$/);
    expect(await problem(`${MINIMAL}seed: 1\nseed: 2\n`)).toMatch(/^run\.yaml:4:1: Map keys must be unique/);
  });
});

describe('--set overrides', () => {
  const base = `${MINIMAL}lora: { r: 8 }\ntraining: { learning_rate: 1.0e-3 }\n`;

  it('apply YAML-typed values, create missing sections, and apply in order', async () => {
    const config = await parse(base, [
      'training.learning_rate=1e-4',
      'lora.target_modules=[q_proj, v_proj]',
      'data.packing=true',
      'evaluation.path=test.jsonl',
      'seed=5',
      'seed=6',
    ]);
    expect(config.training.learning_rate).toBe(1e-4);
    expect(config.methodConfig).toMatchObject({ r: 8, target_modules: ['q_proj', 'v_proj'] });
    expect(config.data.packing).toBe(true);
    expect(config.evaluation?.path).toBe(join(root, 'cfg', 'test.jsonl'));
    expect(config.seed).toBe(6);
  });

  it('name the --set in errors, with a did-you-mean for unknown paths', async () => {
    expect(await problem(base, ['training.lerning_rate=1e-4'])).toBe('--set training.lerning_rate: unknown key (did you mean "learning_rate"?)');
    expect(await problem(base, ['trainig.seed=1'])).toBe('--set trainig.seed: trainig: unknown key (did you mean "training"?)');
    expect(await problem(base, ['lora.r=-1'])).toBe('--set lora.r: expected a positive integer, got -1');
    // A bad value elsewhere in the file is still reported at its line.
    expect(await problem(base.replace('r: 8', 'r: 0'), ['training.learning_rate=1e-4'])).toBe('run.yaml:3: lora.r: expected a positive integer, got 0');
  });

  it('reject malformed overrides and paths through a value that is not a mapping', async () => {
    expect(await problem(base, ['training.learning_rate'])).toMatch(/^--set training\.learning_rate: expected key\.path=value/);
    expect(await problem(base, ['=3'])).toMatch(/^--set =3: expected key\.path=value/);
    expect(await problem(base, ['model.path=other'])).toBe('--set model.path: model is "org/model", not a mapping');
    expect(await problem(base, ['lora.target_modules=[q_proj'])).toMatch(/^--set lora\.target_modules=\[q_proj: the value is not valid YAML/);
  });
});

describe('quantization: (BitsAndBytesConfig, QLoRA)', () => {
  it("reads transformers' field names and defaults; absent means full precision", async () => {
    const config = await parse(`${MINIMAL}quantization:
  load_in_4bit: true
  bnb_4bit_quant_type: nf4
  bnb_4bit_use_double_quant: true
  bnb_4bit_compute_dtype: bfloat16
  bnb_4bit_quant_storage: uint8
`);
    expect(config.quantization).toEqual({
      ...BNB_CONFIG_DEFAULTS,
      load_in_4bit: true,
      bnb_4bit_quant_type: 'nf4',
      bnb_4bit_use_double_quant: true,
      bnb_4bit_compute_dtype: 'bfloat16',
    });
    expect((await parse(MINIMAL)).quantization).toBeNull();
    const int8 = await parse(`${MINIMAL}quantization: { load_in_8bit: true, llm_int8_threshold: 4.0, llm_int8_skip_modules: [lm_head, mlp] }\n`);
    expect(int8.quantization).toMatchObject({ load_in_8bit: true, load_in_4bit: false, llm_int8_threshold: 4, llm_int8_skip_modules: ['lm_head', 'mlp'] });
    // A key written without a value means its default, as elsewhere.
    expect((await parse(`${MINIMAL}quantization:\n  load_in_4bit: true\n  bnb_4bit_quant_type:\n`)).quantization?.bnb_4bit_quant_type).toBe('fp4');
    expect((await parse(MINIMAL, ['quantization.load_in_4bit=true'])).quantization?.load_in_4bit).toBe(true);
  });

  it.each([
    ['a misspelt key', 'quantization:\n  load_in_4bit: true\n  bnb_4bit_quant_typ: nf4\n', 'run.yaml:5: quantization.bnb_4bit_quant_typ: unknown key (did you mean "bnb_4bit_quant_type"?)'],
    ['a bad value', 'quantization:\n  load_in_4bit: true\n  bnb_4bit_quant_type: nf5\n', 'run.yaml:5: quantization.bnb_4bit_quant_type: expected "nf4" or "fp4", got "nf5"'],
    ['a NaN threshold', 'quantization:\n  load_in_8bit: true\n  llm_int8_threshold: .nan\n', 'run.yaml:5: quantization.llm_int8_threshold: expected a finite number, got NaN'],
    ['an unsupported option', 'quantization:\n  load_in_8bit: true\n  llm_int8_has_fp16_weight: true\n', 'run.yaml:5: quantization.llm_int8_has_fp16_weight: true keeps trainable 16-bit main weights, which TuneKit does not implement; Linear8bit holds frozen int8 weights (train adapters on them with LoRA)'],
    ['no mode', 'quantization: { bnb_4bit_quant_type: nf4 }\n', 'run.yaml:3: quantization: set load_in_4bit (NF4/FP4, QLoRA) or load_in_8bit (LLM.int8) to true'],
    ['both modes', 'quantization: { load_in_4bit: true, load_in_8bit: true }\n', 'run.yaml:3: quantization: load_in_4bit and load_in_8bit are both true, but only one can be used at the same time'],
    ['a non-mapping', 'quantization: nf4\n', 'run.yaml:3: quantization: expected a mapping of BitsAndBytesConfig options, got "nf4"'],
  ])('names the key and line of %s', async (_, section, message) => {
    expect(await problem(`${MINIMAL}${section}`)).toBe(message);
  });

  it('refuses full fine-tuning and training from scratch on a quantized base, and points qlora users at the section', async () => {
    const q = 'quantization: { load_in_4bit: true }\n';
    const full = 'run.yaml:4: quantization: full fine-tuning cannot train quantized weights (4/8-bit codes take no gradient updates); use a PEFT method such as method: lora (QLoRA), or drop the quantization section';
    expect(await problem(`method: full\n${MINIMAL}${q}`)).toBe(full);
    // pretrain implies method full.
    expect(await problem(`task: pretrain\n${MINIMAL}${q}`)).toBe(full);
    expect(await problem(`model: { path: org/model, train_from_scratch: true }\ndata: { path: train.jsonl }\n${q}`)).toBe(
      'run.yaml:3: quantization: model.train_from_scratch trains every weight from a random init, which a quantized base cannot do; drop one of them',
    );
    expect(await problem(`method: qlora\n${MINIMAL}`)).toBe(
      'run.yaml:1: method: "qlora": QLoRA is LoRA on a quantized base: write method: lora and a quantization section, e.g. quantization: { load_in_4bit: true, bnb_4bit_quant_type: nf4, bnb_4bit_use_double_quant: true }',
    );
  });
});
