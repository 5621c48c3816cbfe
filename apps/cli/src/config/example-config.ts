/**
 * What `tunekit init` writes: a complete, valid config whose comments document each section.
 * The init spec checks that `tunekit train --dry-run` accepts it as written.
 */
export const EXAMPLE_CONFIG = `# tunekit train config. Run: tunekit train THIS_FILE [--set training.learning_rate=1e-4 ...]
# Relative paths are taken from this file's folder. Unknown keys are errors.

# A local Hugging Face folder or a Hub repo id; or { path: ..., revision: main, dtype: f32 | bf16 }.
model: HuggingFaceTB/SmolLM2-135M-Instruct

task: sft          # sft | pretrain (pretrain: plain text, every token trained, method full by default)
method: lora       # lora | full (full fine-tuning of every weight)
seed: 42           # seeds LoRA's init, the data order and the trainer

# LoRA options, named as in PEFT's LoraConfig: r, lora_alpha, lora_dropout, target_modules,
# use_dora, use_rslora, init_lora_weights (true | gaussian | pissa), modules_to_save, bias, ...
lora:
  r: 16
  lora_alpha: 32
  lora_dropout: 0.05
  target_modules: [q_proj, k_proj, v_proj, o_proj]

# Optional: QLoRA. Quantize the base while loading and train the method (lora, ...) on top of the
# frozen 4-bit or 8-bit weights. Keys are transformers' BitsAndBytesConfig names, with its defaults
# (fp4, no double quant); a folder written by \`tunekit quantize\` loads quantized without this section.
# Full fine-tuning cannot train quantized weights (method: full is refused).
# quantization:
#   load_in_4bit: true                # or load_in_8bit: true (LLM.int8)
#   bnb_4bit_quant_type: nf4          # nf4 (the QLoRA paper's) | fp4
#   bnb_4bit_use_double_quant: true   # quantize the block scales too: ~0.37 bits per weight saved
#   bnb_4bit_compute_dtype: bfloat16  # recorded in quantization_config; TuneKit computes in f32
#   llm_int8_skip_modules: [lm_head]  # modules kept in full precision

data:
  path: data/train.jsonl     # .jsonl .json .csv .tsv .parquet .txt, a glob, a list, or hf://datasets/org/name/file
  format: auto               # auto | messages | prompt_completion | alpaca | sharegpt | text
  max_length: 512            # longer examples are truncated
  validation_split: 0.1      # held out for eval_loss (or validation_path: data/valid.jsonl)
  packing: false             # pack short examples into max_length rows

# Hugging Face TrainingArguments names.
training:
  output_dir: runs/smollm2-lora     # checkpoints, metrics.jsonl, report.html and the final adapter
  report_to: [jsonl, tensorboard]   # metrics.jsonl, and TensorBoard event files under output_dir/runs/
  num_train_epochs: 3
  per_device_train_batch_size: 8
  gradient_accumulation_steps: 1
  learning_rate: 2.0e-4
  lr_scheduler_type: cosine
  warmup_ratio: 0.03
  logging_steps: 10
  eval_strategy: epoch
  save_strategy: epoch
  save_total_limit: 2
  # early_stopping_patience: 2      # stop after 2 evaluations without a better eval_loss
  # resume_from_checkpoint: true    # continue from the newest checkpoint in output_dir

# Optional: task accuracy by greedy generation, before and after training.
# evaluation:
#   path: data/test.jsonl    # prompt/completion or messages records; the reference is the completion
#   metric: exact_match      # exact_match (after trimming) | contains
#   max_new_tokens: 32
#   chat: false              # wrap prompt/completion prompts in the chat template

# Optional: prompts completed and printed after training.
samples:
  - "What is the capital of France?"

# Optional: npm packages (or ./files) exporting register(container), e.g. to add a method or callback.
# plugins: [my-tunekit-plugin]
`;
