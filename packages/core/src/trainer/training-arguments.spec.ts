import { describe, expect, it } from 'vitest';
import { TrainingArgumentsError, parseTrainingArguments, resolveInterval } from './training-arguments.js';
import { planTraining } from './trainer-setup.js';

describe('parseTrainingArguments', () => {
  it("fills Hugging Face's defaults and resolves what HF resolves in __post_init__", () => {
    const a = parseTrainingArguments({});
    expect(a).toMatchObject({
      learning_rate: 5e-5,
      lr_scheduler_type: 'linear',
      max_grad_norm: 1,
      weight_decay: 0,
      logging_steps: 500,
      eval_steps: 500,
      save_steps: 500,
      num_train_epochs: 3,
      max_steps: -1,
      optim: 'adamw_torch',
      seed: 42,
      metric_for_best_model: null,
      greater_is_better: null,
    });
    const best = parseTrainingArguments({ load_best_model_at_end: true, eval_strategy: 'steps', logging_steps: 10, save_steps: 20 });
    expect(best).toMatchObject({ eval_steps: 10, metric_for_best_model: 'loss', greater_is_better: false });
    expect(parseTrainingArguments({ metric_for_best_model: 'accuracy' }).greater_is_better).toBe(true);
  });

  it('rejects unknown keys with a did-you-mean and wrong types naming the key, all at once', () => {
    const bad = () => parseTrainingArguments({ learnig_rate: 1e-4, per_device_train_batch_size: 2.5, optim: 'adam', lr_scheduler_type: 'cosin', zzz: 1 });
    expect(bad).toThrow(TrainingArgumentsError);
    expect(bad).toThrow("unknown training argument 'learnig_rate' (did you mean 'learning_rate'?)");
    expect(bad).toThrow('per_device_train_batch_size must be an integer >= 1, got 2.5 (number)');
    expect(bad).toThrow('optim must be one of adamw_torch, adamw, sgd, got "adam" (string)');
    expect(bad).toThrow(/lr_scheduler_type must be one of constant, .*cosine/);
    expect(bad).toThrow(/unknown training argument 'zzz'$/m);
    expect(() => parseTrainingArguments({ zzz: 1 })).not.toThrow(/did you mean/);
    expect(() => parseTrainingArguments({ save_total_limit: '3' })).toThrow('save_total_limit must be an integer >= 1, got "3" (string)');
    expect(() => parseTrainingArguments({ resume_from_checkpoint: 3 })).toThrow('resume_from_checkpoint must be a checkpoint path or true/false');
    expect(() => parseTrainingArguments([])).toThrow('training arguments must be an object, got an array');
  });

  it('checks the relations HF checks', () => {
    expect(() => parseTrainingArguments({ load_best_model_at_end: true, eval_strategy: 'epoch', save_strategy: 'steps' })).toThrow(/save_strategy equal to eval_strategy/);
    expect(() => parseTrainingArguments({ load_best_model_at_end: true, eval_strategy: 'steps', eval_steps: 3, save_steps: 10 })).toThrow('save_steps (10) to be a multiple of eval_steps (3)');
    expect(() => parseTrainingArguments({ early_stopping_patience: 2 })).toThrow("early_stopping_patience needs an eval_strategy other than 'no'");
    expect(() => parseTrainingArguments({ max_steps: 0 })).toThrow('max_steps must be an integer >= 1, got 0');
  });

  it('accepts fractional intervals as HF does and resolves them against the total steps', () => {
    const a = parseTrainingArguments({ logging_steps: 0.1, save_steps: 0.25 });
    expect(resolveInterval(a.logging_steps, 95)).toBe(10);
    expect(resolveInterval(a.save_steps, 95)).toBe(24);
    expect(() => parseTrainingArguments({ logging_steps: 1.5 })).toThrow('logging_steps must be an integer >= 1 or a fraction in (0, 1)');
  });

});

describe('planTraining (HF _inner_training_loop arithmetic)', () => {
  it('derives steps from epochs, or epochs from max_steps, and warmup from the ratio', () => {
    const epochs = planTraining(parseTrainingArguments({ num_train_epochs: 2.5, gradient_accumulation_steps: 4, warmup_ratio: 0.1 }), 10);
    // floor(10 / 4) = 2 steps an epoch (the tail step is run but not counted, as in HF).
    expect(epochs).toMatchObject({ stepsPerEpoch: 2, maxSteps: 5, numEpochs: 3, warmupSteps: 1 });
    const steps = planTraining(parseTrainingArguments({ max_steps: 7, gradient_accumulation_steps: 2, warmup_steps: 3, warmup_ratio: 0.5 }), 6);
    expect(steps).toMatchObject({ stepsPerEpoch: 3, maxSteps: 7, numEpochs: 3, warmupSteps: 3 });
    expect(planTraining(parseTrainingArguments({ gradient_accumulation_steps: 8, num_train_epochs: 1 }), 3)).toMatchObject({ stepsPerEpoch: 1, maxSteps: 1 });
  });
});
