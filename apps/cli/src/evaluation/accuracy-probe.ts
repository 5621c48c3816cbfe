import type { EvaluationConfig } from '../config/run-config.types.js';
import { readAccuracyItems, type AccuracyItem } from './accuracy-items.js';
import type { GenerationContext } from './generation-context.js';
import { formatPercent, taskAccuracy } from './task-accuracy.js';

/** The `evaluation:` section in a run: items read once, scored before and after training. */
export class AccuracyProbe {
  private constructor(
    private readonly config: EvaluationConfig,
    private readonly items: readonly AccuracyItem[],
    private readonly context: GenerationContext,
    private readonly print: (line: string) => void,
  ) {}

  /** Reads the evaluation file up front, so a bad one fails before any training time is spent. */
  static async create(config: EvaluationConfig, context: GenerationContext, print: (line: string) => void): Promise<AccuracyProbe> {
    const items = await readAccuracyItems(config.path, context.tokenizer, { chat: config.chat, limit: config.limit });
    return new AccuracyProbe(config, items, context, print);
  }

  /** Scores the model as it is now, prints one line, returns the percentage. */
  async measure(label: string): Promise<string> {
    const { model, executor, tokenizer, generationConfig } = this.context;
    const result = await taskAccuracy(model, executor, tokenizer, this.items, {
      metric: this.config.metric,
      maxNewTokens: this.config.max_new_tokens,
      batchSize: this.config.batch_size,
      generationConfig,
    });
    const percent = formatPercent(result.accuracy);
    this.print(`${this.config.metric} ${label}: ${percent} (${result.correct}/${result.total})`);
    return percent;
  }
}
