import { inject, injectAll, injectable } from 'tsyringe';
import { CausalLmTask, EXECUTOR, type Executor, evaluateTask } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { resolveDataset } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { parseCommandArgs, positiveInt, required } from '../args.js';
import { UsageError } from '../cli-error.js';
import { loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit eval --model M [--adapter DIR] --data FILE [--max-length N] [--batch-size N] [--json] [--quantize nf4|fp4|int8 [--double-quant]]';

/** `tunekit eval`: mean next-token loss and perplexity of a model (and adapter) on a dataset. */
@injectable()
export class EvalCommand implements Command {
  readonly name = 'eval';
  readonly summary = 'Loss and perplexity of a model, with or without an adapter, on a dataset';
  readonly usage = [
    USAGE,
    '',
    '  --model M         Model folder or Hub id',
    '  --adapter DIR     A saved adapter (PEFT layout) applied on top',
    '  --data FILE       Dataset file or glob in any format `tunekit train` reads; the loss counts trained tokens only',
    '  --max-length N    Truncate examples to N tokens (default 1024)',
    '  --batch-size N    Rows per forward pass (default 8)',
    '  --json            Print one JSON object',
    ...quantizeUsage(18, 'quantize the base while loading, as QLoRA training did'),
  ].join('\n');

  constructor(
    @inject(EXECUTOR) private readonly executor: Executor,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        adapter: { type: 'string' },
        data: { type: 'string' },
        'max-length': { type: 'string' },
        'batch-size': { type: 'string' },
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

    const quantization = quantizeFlags(values);
    const loaded = await loadModelWithAdapter(modelId, values.adapter, { executor: this.executor, methods: this.methods, quantization });
    const dataset = await loadDataset({ path: data, max_length: maxLength, shuffle: false }, loaded.tokenizer, {
      resolveHubFiles: (ref) => resolveDataset(ref.repo, { revision: ref.revision, allowPatterns: [ref.pattern] }),
    });
    const source = toTrainDataSource(dataset.train.batcher(batchSize), { packed: false });
    const metrics = await evaluateTask(this.executor, new CausalLmTask(loaded.model, { labelsShiftedInside: true }), source, 'eval');
    const result = {
      model: modelId,
      adapter: values.adapter ?? null,
      data,
      examples: dataset.stats.trainExamples,
      eval_loss: metrics.eval_loss,
      perplexity: metrics.eval_perplexity,
    };
    if (values.json) console.log(JSON.stringify(result));
    else for (const [key, value] of Object.entries(result)) console.log(`${key.padEnd(10)} ${value ?? 'none'}`);
    return 0;
  }
}
