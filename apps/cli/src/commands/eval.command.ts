import { inject, injectAll, injectable } from 'tsyringe';
import { TASK_PROVIDER, type TaskProvider, evaluateTask } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { resolveDataset } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { parseCommandArgs, positiveInt, required } from '../args.js';
import { UsageError } from '../cli-error.js';
import { ACCURACY_METRICS, type AccuracyMetric } from '../config/run-config.types.js';
import { readAccuracyItems } from '../evaluation/accuracy-items.js';
import { ScoringProgress } from '../evaluation/scoring-progress.js';
import { taskAccuracy } from '../evaluation/task-accuracy.js';
import { type ModelWithAdapter, loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import type { ExecutorChoice } from '../executor-choice.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import type { Command } from './command.interface.js';

const USAGE =
  'tunekit eval --model M [--adapter DIR] --data FILE [--task NAME] [--metric exact_match|contains [--max-new-tokens N] [--chat] [--limit N]] [--max-length N] [--batch-size N] [--json] [--quantize nf4|fp4|int8 [--double-quant]]';
const DEFAULT_TASK = 'sft';

/** `tunekit eval`: a task's loss and metrics (next-token loss and perplexity for sft) of a model (and adapter) on a dataset. */
@injectable()
export class EvalCommand implements Command {
  readonly name = 'eval';
  readonly summary = 'Loss, perplexity and (with --metric) greedy-answer accuracy of a model, with or without an adapter, on a dataset';
  readonly usage = [
    USAGE,
    '',
    '  --model M         Model folder or Hub id',
    '  --adapter DIR     A saved adapter (PEFT layout) applied on top',
    '  --data FILE       Dataset file or glob in any format `tunekit train` reads; the loss counts trained tokens only',
    '  --task NAME       The registered task whose loss and metrics are measured, with its default options (default sft)',
    `  --metric M        Also score greedy answers against the completions (${ACCURACY_METRICS.join(' | ')}), as evaluation: in a run does`,
    '  --max-new-tokens N  Tokens generated per answer when scoring (default 32)',
    '  --chat            Wrap prompt/completion prompts in the chat template when scoring (messages always use it)',
    '  --limit N         Score only the first N records',
    '  --max-length N    Truncate examples to N tokens (default 1024)',
    '  --batch-size N    Rows per forward pass (default 8)',
    '  --json            Print one JSON object',
    ...quantizeUsage(18, 'quantize the base while loading, as QLoRA training did'),
  ].join('\n');

  constructor(
    @inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
    @injectAll(TASK_PROVIDER) private readonly tasks: TaskProvider[],
  ) {}

  /** The task named by --task (a later registration of a name wins), with its default options. */
  private task(name: string): { provider: TaskProvider; config: unknown } {
    const provider = this.tasks.findLast((t) => t.name === name);
    if (!provider) throw new UsageError(`--task: unknown task "${name}"; choose one of ${[...new Set(this.tasks.map((t) => t.name))].join(', ')}`);
    // eval reads SFT-format records into a causal LM; a task with its own pipeline or model is scored elsewhere.
    if (provider.loadData || provider.loadModel) throw new UsageError(`--task: task "${name}" reads its own data or model, which eval does not load; for preference pairs use tunekit score`);
    return { provider, config: provider.parseConfig ? provider.parseConfig({}) : null };
  }

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        adapter: { type: 'string' },
        data: { type: 'string' },
        task: { type: 'string' },
        'max-length': { type: 'string' },
        'batch-size': { type: 'string' },
        metric: { type: 'string' },
        'max-new-tokens': { type: 'string' },
        chat: { type: 'boolean' },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        ...QUANTIZE_FLAGS,
      },
      USAGE,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const modelId = required(values.model, '--model', USAGE);
    const data = required(values.data, '--data', USAGE);
    const maxLength = positiveInt(values['max-length'], '--max-length', 1024);
    const batchSize = positiveInt(values['batch-size'], '--batch-size', 8);
    const metric = values.metric === undefined ? null : accuracyMetric(values.metric);

    const task = this.task(values.task ?? DEFAULT_TASK);
    const quantization = quantizeFlags(values);
    const loaded = await loadModelWithAdapter(modelId, values.adapter, { methods: this.methods, quantization });
    const dataset = await loadDataset({ ...task.provider.dataDefaults, path: data, max_length: maxLength, shuffle: false }, loaded.tokenizer, {
      resolveHubFiles: (ref) => resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] }),
    });
    const source = toTrainDataSource(dataset.train.batcher(batchSize), { packed: false });
    const { eval_loss, ...metrics } = await evaluateTask(this.executors.create(), task.provider.create(loaded.model, task.config), source, 'eval');
    // The task's own metrics by their names (`perplexity`), after the loss.
    const named = Object.fromEntries(Object.entries(metrics).map(([key, value]) => [key.replace(/^eval_/, ''), value]));
    const accuracy = metric && (await this.score(loaded, data, metric, values, batchSize));
    const result = { model: modelId, adapter: values.adapter ?? null, data, examples: dataset.stats.trainExamples, eval_loss, ...named, ...accuracy };
    if (values.json) console.log(JSON.stringify(result));
    else for (const [key, value] of Object.entries(result)) console.log(`${key.padEnd(10)} ${value ?? 'none'}`);
    return 0;
  }

  /** Greedy answers to the data's prompts scored against its completions, with a progress line on stderr. */
  private async score(loaded: ModelWithAdapter, data: string, metric: AccuracyMetric, values: { 'max-new-tokens'?: string; chat?: boolean; limit?: string }, batchSize: number) {
    const limit = values.limit === undefined ? null : positiveInt(values.limit, '--limit', 1);
    const items = await readAccuracyItems(data, loaded.tokenizer, { chat: values.chat === true, limit });
    const progress = new ScoringProgress(metric);
    const scored = await taskAccuracy(loaded.model, this.executors.create(), loaded.tokenizer, items, {
      metric,
      maxNewTokens: positiveInt(values['max-new-tokens'], '--max-new-tokens', 32),
      batchSize,
      generationConfig: loaded.generationConfig,
      onProgress: (done, total, correct) => progress.update(done, total, correct),
    });
    progress.end();
    return { [metric]: scored.accuracy, correct: scored.correct, scored: scored.total };
  }
}

function accuracyMetric(name: string): AccuracyMetric {
  if (!(ACCURACY_METRICS as readonly string[]).includes(name)) throw new UsageError(`--metric: expected one of ${ACCURACY_METRICS.join(', ')}, got "${name}"`);
  return name as AccuracyMetric;
}
