/**
 * What `tunekit init --task ppo` writes: a commented PPO run with TRL 1.9's PPOConfig names, for a
 * policy and a reward model trained with `task: reward` on the same tokenizer.
 */
export const PPO_EXAMPLE_CONFIG = `# tunekit train config for PPO (RLHF with a reward model). Run: tunekit train THIS_FILE
# Relative paths are taken from this file's folder. Unknown keys are errors (with a did-you-mean).

# The policy: a local Hugging Face folder or a Hub repo id (usually an SFT model).
model: HuggingFaceTB/SmolLM2-135M-Instruct

task: ppo
method: lora       # the reference is the base with the adapter disabled (no second policy copy)
seed: 42

lora:
  r: 16
  lora_alpha: 32
  lora_dropout: 0.0
  target_modules: all-linear

# TRL's PPOConfig names and defaults.
ppo:
  # The reward model: the output_dir of a task: reward run (a full save, or a base + SEQ_CLS adapter),
  # or a transformers ...ForSequenceClassification. It must use the policy's tokenizer. The value model
  # starts as a copy of it and trains in full beside the policy's adapter, as in TRL.
  reward_model_path: runs/smollm2-reward
  response_length: 53        # new tokens per response
  temperature: 0.7
  stop_token: eos            # cut responses after EOS (null: keep them as sampled)
  missing_eos_penalty: 1.0   # subtracted from the score of a response without EOS (null: none)
  kl_coef: 0.05              # per-token KL penalty to the reference, in the reward
  kl_estimator: k1           # k1 | k3
  num_ppo_epochs: 4          # passes over each rollout batch
  num_mini_batches: 1        # optimizer steps per pass
  cliprange: 0.2
  cliprange_value: 0.2
  vf_coef: 0.1
  gamma: 1.0
  lam: 0.95
  whiten_rewards: false

# Prompt-only records: {"prompt": "..."} or {"prompt": [{"role": "user", "content": "..."}]}.
data:
  path: data/prompts.jsonl

training:
  output_dir: runs/smollm2-ppo
  max_steps: 200                     # optimizer steps: num_ppo_epochs x num_mini_batches per rollout
  per_device_train_batch_size: 8     # responses per micro-batch; a rollout has
                                     # per_device_train_batch_size x gradient_accumulation_steps x num_mini_batches
  gradient_accumulation_steps: 1
  learning_rate: 3.0e-6              # TRL's PPO default; LoRA usually takes larger steps
  lr_scheduler_type: linear
  logging_steps: 4                   # logs objective/kl, objective/scores, objective/rlhf_reward, policy/approxkl_avg,
                                     # policy/clipfrac_avg, loss/policy_avg, loss/value_avg, val/clipfrac_avg, ...
  save_steps: 100
`;
