/**
 * What `tunekit init --task dpo` writes: a complete DPO run whose comments document the `dpo:`
 * section (TRL 1.9's DPOConfig names and defaults) and the preference data it reads.
 */
export const DPO_EXAMPLE_CONFIG = `# tunekit train config for DPO (direct preference optimisation). Run: tunekit train THIS_FILE
# Relative paths are taken from this file's folder. Unknown keys are errors (with a did-you-mean).

# The policy to align: a local Hugging Face folder or a Hub repo id (usually an SFT model).
model: HuggingFaceTB/SmolLM2-135M-Instruct

# Preference optimisation from pairs: dpo | cpo (SimPO with loss_type: simpo) | orpo | kto (unpaired).
task: dpo
method: lora       # with LoRA the reference is the base with the adapter disabled (no second model)
seed: 42

lora:
  r: 16
  lora_alpha: 32
  lora_dropout: 0.0
  target_modules: all-linear

# TRL's DPOConfig names and defaults.
dpo:
  beta: 0.1                  # how far the policy may move from the reference (IPO: the regulariser tau)
  loss_type: sigmoid         # sigmoid | hinge | ipo | robust | exo_pair | bco_pair | sppo_hard | nca_pair
                             # | aot | aot_unpaired | apo_zero | apo_down | sft, or a list combined with loss_weights
  # loss_weights: [1.0, 0.2]  # e.g. RPO: loss_type: [sigmoid, sft]
  label_smoothing: 0.0       # robust: the label-flip rate in [0, 0.5); exo_pair: epsilon > 0 (1e-3)
  use_weighting: false       # WPO: weight pairs by the policy's length-normalised probabilities
  max_length: 1024           # prompt + completion tokens; longer pairs are truncated, what still does not fit is dropped
  max_prompt_length: null    # cut prompts first (null: no separate limit)
  precompute_ref_log_probs: false   # one reference pass before training, stored with the run (one model in memory)
  # ref_model: path/to/reference    # a separate reference model instead of the base / a frozen copy
  disable_dropout: true

# Paired preferences, as TRL documents them: {"prompt": ..., "chosen": ..., "rejected": ...} with
# strings or message lists; without "prompt", the shared start of chosen and rejected is the prompt.
data:
  path: data/preferences.jsonl
  validation_split: 0.1

training:
  output_dir: runs/smollm2-dpo
  num_train_epochs: 1
  per_device_train_batch_size: 4     # pairs per batch (each is a chosen and a rejected row)
  learning_rate: 5.0e-6              # TRL's DPO default is 1e-6; LoRA takes larger steps
  lr_scheduler_type: cosine
  warmup_ratio: 0.1
  logging_steps: 10                  # logs rewards/chosen, rewards/rejected, rewards/accuracies, rewards/margins,
                                     # logps/chosen, logps/rejected, logits/chosen, logits/rejected
  eval_strategy: epoch
  save_strategy: epoch
  # resume_from_checkpoint: true    # a resumed run reuses the stored reference log-probs
`;
