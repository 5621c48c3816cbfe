import type { FloatDType, TrainingArguments } from '@tunekit/core';
import type { DatasetConfig } from '@tunekit/data';
import type { BnbConfig } from '@tunekit/qlora';

export interface ModelSpec {
  /** An absolute local folder, or a Hub repo id. */
  readonly path: string;
  readonly revision?: string;
  readonly dtype: FloatDType;
  /** Build the architecture from config.json with transformers' random init (pretraining from scratch). */
  readonly trainFromScratch?: boolean;
}

export const ACCURACY_METRICS = ['exact_match', 'contains'] as const;
export type AccuracyMetric = (typeof ACCURACY_METRICS)[number];

/** `evaluation:` — task accuracy by greedy generation, before and after training. */
export interface EvaluationConfig {
  /** Absolute path of a prompt/completion or messages file. */
  readonly path: string;
  readonly metric: AccuracyMetric;
  readonly max_new_tokens: number;
  /** Apply the chat template to prompt/completion prompts (messages records always use it). */
  readonly chat: boolean;
  readonly batch_size: number;
  /** Score only the first N records (null: all). */
  readonly limit: number | null;
}

/** A validated run config: everything `tunekit train` needs, relative paths resolved. */
export interface RunConfig {
  /** The config file as given on the command line. */
  readonly file: string;
  /** The config file's folder: relative paths (data files, plugins) resolve against it. */
  readonly baseDir: string;
  readonly model: ModelSpec;
  /** The name of a registered task (`sft`, `pretrain`, or a plugin's). */
  readonly task: string;
  /** The task's options (its section named after it) as its own parser returned them; null for a task without options. */
  readonly taskConfig: unknown;
  /** The name of a registered executor (`ort` unless the config says otherwise; `--executor` overrides it). */
  readonly executor: string;
  /** `full`, or the name of a registered PEFT method (`lora`). */
  readonly method: string;
  /** The method's options as its own parser returned them (null for one without options, `full`). */
  readonly methodConfig: unknown;
  /** `quantization:` (BitsAndBytesConfig): quantize the base while loading and train the method on top (QLoRA); null: full precision. */
  readonly quantization: BnbConfig | null;
  readonly data: DatasetConfig;
  readonly training: TrainingArguments;
  readonly evaluation: EvaluationConfig | null;
  readonly samples: readonly string[];
  readonly seed: number;
  readonly plugins: readonly string[];
  /** Settings accepted but without effect here, one line each (`training.bf16: ...`), printed before the run. */
  readonly warnings: readonly string[];
}
