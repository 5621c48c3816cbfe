import type { Executor } from '@tunekit/core';
import type { CausalLM, RawConfig, TextTokenizer } from '@tunekit/models';

/** What generating with a loaded model takes, gathered once per run. */
export interface GenerationContext {
  readonly model: CausalLM;
  readonly executor: Executor;
  readonly tokenizer: TextTokenizer;
  /** The model's generation_config.json (EOS and pad ids), or null. */
  readonly generationConfig: RawConfig | null;
}
