import { describe, expect, it } from 'vitest';
import { HF_ONLY_ARGUMENTS } from './hf-only-arguments.js';
import { TRAINING_ARGUMENT_NAMES, TrainingArgumentsError, parseTrainingArguments } from './training-arguments.js';

/** Parses `input`, returning the arguments and the warnings the HF-only names produced. */
function parse(input: Record<string, unknown>) {
  const warnings: string[] = [];
  return { args: parseTrainingArguments(input, warnings), warnings };
}

describe("Hugging Face TrainingArguments names TuneKit has no field for", () => {
  it('accepts what people paste from transformers, silently at HF\'s defaults', () => {
    const { args, warnings } = parse({ bf16: false, torch_compile: false, dataloader_num_workers: 0, push_to_hub: false, do_train: true, do_eval: false, use_cpu: true });
    expect(warnings).toEqual([]);
    expect(args.learning_rate).toBe(5e-5);
    expect(args).not.toHaveProperty('bf16');
  });

  it('warns in one line, saying what happens instead, where a setting cannot apply here', () => {
    const { warnings } = parse({ bf16: true, torch_compile: true, dataloader_num_workers: 4, push_to_hub: true });
    expect(warnings).toEqual([
      'bf16: true has no effect here: the CPU executor computes in float32, so training runs in f32 (model.dtype: bf16 stores the frozen base in bf16)',
      'torch_compile: true has no effect here: there is no torch here: every training step already runs as one compiled ONNX Runtime program',
      'dataloader_num_workers: 4 has no effect here: rows are tokenized up front in the training process; there are no loader workers',
      expect.stringMatching(/^push_to_hub: true has no effect here: TuneKit does not upload/),
    ]);
    for (const w of warnings) expect(w).not.toContain('\n');
  });

  it('refuses, naming the field, a setting that would change the math, and points old names at the new ones', () => {
    const bad = () => parseTrainingArguments({ label_smoothing_factor: 0.1, neftune_noise_alpha: 5, evaluation_strategy: 'steps', data_seed: 7 });
    expect(bad).toThrow(TrainingArgumentsError);
    expect(bad).toThrow(/^ {2}label_smoothing_factor 0\.1 is not supported: the built-in tasks do not smooth labels/m);
    expect(bad).toThrow(/^ {2}neftune_noise_alpha 5 is not supported: TuneKit adds no NEFTune noise/m);
    expect(bad).toThrow(/^ {2}evaluation_strategy was renamed eval_strategy in transformers 4\.46; write eval_strategy$/m);
    expect(bad).toThrow(/^ {2}data_seed 7 is not supported: the data order follows `seed`/m);
    // HF's default of the same fields passes.
    expect(parse({ label_smoothing_factor: 0, neftune_noise_alpha: null, data_seed: null }).warnings).toEqual([]);
  });

  it('keeps names that are not HF\'s errors, with a did-you-mean over both tables', () => {
    expect(() => parseTrainingArguments({ bf61: true })).toThrow("unknown training argument 'bf61' (did you mean 'bf16'?)");
    expect(() => parseTrainingArguments({ torch_compil: true })).toThrow("(did you mean 'torch_compile'?)");
  });

  it("accepts HF's other report_to integrations with a warning, keeping metrics.jsonl when nothing else is left", () => {
    expect(parse({ report_to: 'wandb' })).toMatchObject({
      args: { report_to: ['jsonl'] },
      warnings: ['report_to: wandb is not integrated here; metrics go to jsonl (jsonl and tensorboard are)'],
    });
    expect(parse({ report_to: ['tensorboard', 'mlflow', 'wandb'] })).toMatchObject({
      args: { report_to: ['tensorboard'] },
      warnings: ['report_to: mlflow, wandb are not integrated here; metrics go to tensorboard (jsonl and tensorboard are)'],
    });
    expect(parse({ report_to: ['tensorboard'] }).warnings).toEqual([]);
    expect(() => parseTrainingArguments({ report_to: 'wandbb' })).toThrow(/report_to must be a name or list of names from jsonl, tensorboard, all, none/);
  });

  it("reads transformers 5's fractional warmup_steps as a ratio of the total steps", () => {
    expect(parse({ warmup_steps: 0.1 }).args).toMatchObject({ warmup_steps: 0, warmup_ratio: 0.1 });
    expect(parse({ warmup_steps: 30 }).args).toMatchObject({ warmup_steps: 30, warmup_ratio: 0 });
    expect(() => parseTrainingArguments({ warmup_steps: 1.5 })).toThrow('warmup_steps must be an integer >= 0 or a fraction in (0, 1)');
  });

  it('never lists a name TuneKit implements, so its own check always wins', () => {
    for (const name of TRAINING_ARGUMENT_NAMES) expect(Object.keys(HF_ONLY_ARGUMENTS)).not.toContain(name);
  });
});
