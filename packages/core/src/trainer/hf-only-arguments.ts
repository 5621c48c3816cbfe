import type { ConfigProblem } from '../config/config-field-error.js';
import { describeValue } from '../config/field-checks.js';

/**
 * Hugging Face `TrainingArguments` names (transformers 5, plus the 4.x names people still paste)
 * that TuneKit's trainer has no field for. A config written for transformers must read here too,
 * so each is accepted and said what it does instead:
 * - `ignored`: it cannot apply here (a GPU precision mode, torch.compile, loader workers, the Hub);
 *   a value other than HF's default gets a one-line warning saying what happens instead;
 * - `unsupported`: it would change the math or the data order, which TuneKit does not implement;
 *   only HF's default is accepted, anything else is an error naming the field;
 * - `renamed`: an old name of a field TuneKit has; an error that names the new one.
 * Values in `silent` are what TuneKit does anyway, so they pass without a word.
 */
type HfOnlyArgument =
  | { readonly kind: 'ignored'; readonly default: unknown; readonly instead: string; readonly silent?: readonly unknown[] }
  | { readonly kind: 'unsupported'; readonly default: unknown; readonly why: string; readonly silent?: readonly unknown[] }
  | { readonly kind: 'renamed'; readonly to: string; readonly since: string };

const F32_ONLY = 'the CPU executor computes in float32, so training runs in f32 (model.dtype: bf16 stores the frozen base in bf16)';
const NO_TORCH_COMPILE = 'there is no torch here: every training step already runs as one compiled ONNX Runtime program';
const NO_LOADER_WORKERS = 'rows are tokenized up front in the training process; there are no loader workers';
const NO_HUB_UPLOAD = 'TuneKit does not upload; push output_dir yourself (`hf upload REPO runs/x`)';
const MPI_ONLY = 'multi-process training is MPI data parallel (`tunekit train --nproc N`, or under mpirun/srun)';
const OWN_PROGRESS = "TuneKit prints its own progress line and metrics.jsonl; Python's logging levels do not apply";
const EVAL_IN_PROGRAM = "evaluation computes the loss and the task's metrics inside the eval program";
const ignored = (def: unknown, instead: string, silent?: readonly unknown[]): HfOnlyArgument => ({ kind: 'ignored', default: def, instead, ...(silent ? { silent } : {}) });
const unsupported = (def: unknown, why: string, silent?: readonly unknown[]): HfOnlyArgument => ({ kind: 'unsupported', default: def, why, ...(silent ? { silent } : {}) });
const renamed = (to: string, since: string): HfOnlyArgument => ({ kind: 'renamed', to, since });
/** Flags HF's Trainer itself never reads (scripts do): any value passes. */
const inert = (def: unknown): HfOnlyArgument => ({ kind: 'ignored', default: def, instead: '', silent: [true, false, def] });

export const HF_ONLY_ARGUMENTS: Readonly<Record<string, HfOnlyArgument>> = {
  // precision and compilation
  bf16: ignored(false, F32_ONLY),
  fp16: ignored(false, F32_ONLY),
  bf16_full_eval: ignored(false, 'evaluation runs in f32 on the CPU executor'),
  fp16_full_eval: ignored(false, 'evaluation runs in f32 on the CPU executor'),
  tf32: ignored(null, 'TF32 is a GPU matmul mode; the CPU executor multiplies in f32'),
  half_precision_backend: ignored('auto', F32_ONLY),
  fp16_opt_level: ignored('O1', F32_ONLY),
  fp16_backend: ignored('auto', F32_ONLY),
  torch_compile: ignored(false, NO_TORCH_COMPILE),
  torch_compile_backend: ignored(null, NO_TORCH_COMPILE),
  torch_compile_mode: ignored(null, NO_TORCH_COMPILE),
  torchdynamo: ignored(null, NO_TORCH_COMPILE),
  jit_mode_eval: ignored(false, NO_TORCH_COMPILE),
  use_ipex: ignored(false, NO_TORCH_COMPILE),
  use_liger_kernel: ignored(false, 'Liger kernels are Triton GPU kernels; the executor fuses what ONNX Runtime fuses'),
  liger_kernel_config: ignored(null, 'Liger kernels are Triton GPU kernels; the executor fuses what ONNX Runtime fuses'),
  // devices
  use_cpu: ignored(false, 'the executor is chosen with `executor:` (ort runs on the CPU)', [true, false]),
  no_cuda: ignored(false, 'the executor is chosen with `executor:` (ort runs on the CPU)', [true, false]),
  use_mps_device: ignored(false, 'the executor is chosen with `executor:` (ort runs on the CPU)'),
  tpu_num_cores: ignored(null, 'the executor is chosen with `executor:` (ort runs on the CPU)'),
  tpu_metrics_debug: ignored(false, 'there is no TPU executor'),
  torch_empty_cache_steps: ignored(null, 'there is no CUDA cache to empty on the CPU executor'),
  use_cache: ignored(false, 'the KV cache is used only when generating, never in a training step', [true, false]),
  gradient_checkpointing_kwargs: ignored(null, 'recomputation is traced into the step program, so use_reentrant has no meaning here'),
  // data loading
  dataloader_num_workers: ignored(0, NO_LOADER_WORKERS),
  dataloader_pin_memory: ignored(true, NO_LOADER_WORKERS, [true, false]),
  dataloader_persistent_workers: ignored(false, NO_LOADER_WORKERS),
  dataloader_prefetch_factor: ignored(null, NO_LOADER_WORKERS),
  remove_unused_columns: ignored(true, 'the data section decides which columns are read (`data.columns`)', [true, false]),
  label_names: ignored(null, 'labels come from the data section (train_on_inputs, the chat template)'),
  length_column_name: ignored('length', 'there is no length-grouped sampler'),
  dataloader_drop_last: unsupported(false, 'the last partial batch is always trained on'),
  train_sampling_strategy: unsupported('random', 'batches are shuffled with `seed` each epoch ("random")'),
  group_by_length: unsupported(false, 'batches are shuffled with `seed` each epoch'),
  data_seed: unsupported(null, 'the data order follows `seed`'),
  ignore_data_skip: unsupported(false, 'a resumed run continues from the data position stored in the checkpoint'),
  auto_find_batch_size: unsupported(false, 'set per_device_train_batch_size and gradient_accumulation_steps yourself'),
  // the math
  label_smoothing_factor: unsupported(0, "the built-in tasks do not smooth labels (the example plugin's smoothed_sft task does)"),
  neftune_noise_alpha: unsupported(null, 'TuneKit adds no NEFTune noise to the embeddings'),
  lr_scheduler_kwargs: unsupported(null, 'the schedules take no extra arguments (lr_scheduler_type, warmup_steps, warmup_ratio)', [null]),
  optim_args: unsupported(null, 'the optimizers take their arguments from adam_beta1, adam_beta2, adam_epsilon and weight_decay'),
  optim_target_modules: unsupported(null, 'TuneKit has no GaLore or APOLLO optimizer'),
  adafactor: unsupported(false, 'TuneKit has no Adafactor (optim: adamw_torch or sgd)'),
  average_tokens_across_devices: ignored(true, 'the loss is a mean over every loss token of the global batch', [true, false]),
  // logging, evaluation, saving
  logging_strategy: unsupported('steps', 'logging follows logging_steps'),
  logging_first_step: ignored(false, 'logging follows logging_steps'),
  logging_nan_inf_filter: ignored(true, 'a non-finite loss stops the run (or is skipped with skip_nonfinite_steps), so it never reaches a log', [true, false]),
  log_level: ignored('passive', OWN_PROGRESS),
  log_level_replica: ignored('warning', OWN_PROGRESS),
  log_on_each_node: ignored(true, 'rank 0 logs for every process', [true, false]),
  disable_tqdm: ignored(null, OWN_PROGRESS),
  include_num_input_tokens_seen: ignored('no', 'tokens are always counted (train_tokens_per_second)', ['no', 'all', 'non_padding', true, false]),
  include_tokens_per_second: ignored(false, 'tokens per second are always reported', [true, false]),
  skip_memory_metrics: ignored(true, 'the progress line shows the resident memory', [true, false]),
  debug: ignored('', 'there are no torch debug hooks here'),
  run_name: ignored(null, 'a run is named by its output_dir'),
  project: ignored('huggingface', 'Trackio is not integrated'),
  trackio_space_id: ignored('trackio', 'Trackio is not integrated'),
  ray_scope: ignored('last', 'Ray Tune is not integrated'),
  eval_delay: unsupported(0, 'evaluation follows eval_strategy and eval_steps from the first step'),
  eval_on_start: unsupported(false, 'evaluation follows eval_strategy and eval_steps'),
  prediction_loss_only: ignored(false, EVAL_IN_PROGRAM, [true, false]),
  eval_do_concat_batches: ignored(true, EVAL_IN_PROGRAM, [true, false]),
  eval_use_gather_object: ignored(false, EVAL_IN_PROGRAM),
  eval_accumulation_steps: ignored(null, EVAL_IN_PROGRAM),
  include_for_metrics: ignored([], EVAL_IN_PROGRAM),
  include_inputs_for_metrics: ignored(false, EVAL_IN_PROGRAM),
  batch_eval_metrics: ignored(false, EVAL_IN_PROGRAM),
  use_legacy_prediction_loop: ignored(false, EVAL_IN_PROGRAM),
  past_index: ignored(-1, 'no model here returns mems'),
  save_safetensors: unsupported(true, 'checkpoints are always safetensors', [true]),
  save_only_model: unsupported(false, 'a checkpoint always holds the optimizer, scheduler and RNG state, so it can be resumed'),
  save_on_each_node: ignored(false, 'rank 0 writes every checkpoint'),
  enable_jit_checkpoint: ignored(false, 'SIGTERM and SIGINT always save a checkpoint before the run exits', [true, false]),
  restore_callback_states_from_checkpoint: ignored(false, 'early stopping restores its state from the checkpoint', [true, false]),
  full_determinism: ignored(false, 'runs are deterministic for a given seed and executor', [true, false]),
  // the Hub and integrations
  push_to_hub: ignored(false, NO_HUB_UPLOAD),
  hub_token: ignored(null, NO_HUB_UPLOAD),
  hub_private_repo: ignored(null, NO_HUB_UPLOAD),
  hub_model_id: ignored(null, NO_HUB_UPLOAD),
  hub_strategy: ignored('every_save', NO_HUB_UPLOAD),
  hub_always_push: ignored(false, NO_HUB_UPLOAD),
  hub_revision: ignored(null, NO_HUB_UPLOAD),
  push_to_hub_model_id: ignored(null, NO_HUB_UPLOAD),
  push_to_hub_organization: ignored(null, NO_HUB_UPLOAD),
  push_to_hub_token: ignored(null, NO_HUB_UPLOAD),
  accelerator_config: ignored(null, 'there is no Accelerate here'),
  parallelism_config: ignored(null, MPI_ONLY),
  dispatch_batches: ignored(null, MPI_ONLY),
  split_batches: ignored(null, MPI_ONLY),
  // distributed
  ddp_find_unused_parameters: ignored(null, MPI_ONLY),
  ddp_broadcast_buffers: ignored(null, MPI_ONLY),
  ddp_backend: ignored(null, MPI_ONLY, [null, 'mpi']),
  ddp_timeout: ignored(1800, MPI_ONLY),
  fsdp: ignored(null, `${MPI_ONLY}; ZeRO-1/2 sharding is zero_stage`),
  fsdp_config: ignored(null, `${MPI_ONLY}; ZeRO-1/2 sharding is zero_stage`),
  deepspeed: ignored(null, `${MPI_ONLY}; ZeRO-1/2 sharding is zero_stage`),
  sharded_ddp: ignored(null, `${MPI_ONLY}; ZeRO-1/2 sharding is zero_stage`),
  mp_parameters: ignored('', 'SageMaker model parallelism is not integrated'),
  local_rank: ignored(-1, 'the rank is read from the launcher (OMPI_COMM_WORLD_RANK, SLURM_PROCID, RANK)'),
  // read by scripts, not by HF's Trainer
  do_train: inert(false),
  do_eval: inert(false),
  do_predict: inert(false),
  // old names
  evaluation_strategy: renamed('eval_strategy', 'transformers 4.46'),
  per_gpu_train_batch_size: renamed('per_device_train_batch_size', 'transformers 3'),
  per_gpu_eval_batch_size: renamed('per_device_eval_batch_size', 'transformers 3'),
};

export const HF_ONLY_ARGUMENT_NAMES = Object.keys(HF_ONLY_ARGUMENTS);

const sameValue = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface ScreenedArguments {
  /** The input without the HF-only names, for TuneKit's own table. */
  readonly rest: Record<string, unknown>;
  /** One line each: `bf16: ... ; <what happens instead>`. */
  readonly warnings: readonly string[];
  readonly problems: readonly ConfigProblem[];
}

/** Takes the HF-only names out of a training section, with a warning or a problem for each value that matters. */
export function screenHfOnlyArguments(input: Readonly<Record<string, unknown>>, ownNames: readonly string[]): ScreenedArguments {
  const rest: Record<string, unknown> = {};
  const warnings: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const [key, value] of Object.entries(input)) {
    const spec = ownNames.includes(key) ? undefined : HF_ONLY_ARGUMENTS[key];
    if (!spec) {
      rest[key] = value;
      continue;
    }
    if (spec.kind === 'renamed') {
      problems.push({ path: [key], detail: `was renamed ${spec.to} in ${spec.since}; write ${spec.to}` });
      continue;
    }
    if (value === undefined || sameValue(value, spec.default) || spec.silent?.some((s) => sameValue(s, value))) continue;
    if (spec.kind === 'ignored') warnings.push(`${key}: ${describeValue(value)} has no effect here: ${spec.instead}`);
    else problems.push({ path: [key], detail: `${describeValue(value)} is not supported: ${spec.why} (only ${describeValue(spec.default)}, HF's default, is accepted)` });
  }
  return { rest, warnings, problems };
}
