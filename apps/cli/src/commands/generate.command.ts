import { parseArgs } from 'node:util';
import { inject, injectAll, injectable } from 'tsyringe';
import { type GenerateInput, generate } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import type { ExecutorChoice } from '../executor-choice.js';
import { loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import { GENERATION_FLAGS, type NumericFlag, generationOptions } from './generation-flags.js';
import type { Command } from './command.interface.js';

function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 0)) throw new Error(`--input-ids expects comma-separated token ids, got ${JSON.stringify(text)}`);
  return ids;
}

/** `tunekit generate`: text or ids from a local or Hub model, streamed, or as one JSON object. */
@injectable()
export class GenerateCommand implements Command {
  readonly name = 'generate';
  readonly summary = 'Generate text from a model (greedy or sampled, streamed)';
  readonly usage = [
    'tunekit generate --model PATH_OR_ID [--adapter DIR] (--prompt TEXT | --input-ids 1,2,3) [--chat]',
    '                 [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--seed S] [--json]',
    '                 [--quantize nf4|fp4|int8 [--double-quant]]',
    '',
    '  --adapter      a saved adapter (PEFT layout, e.g. a `tunekit train` output_dir) applied on top',
    ...quantizeUsage(15, 'quantize the base while loading, as QLoRA training did'),
    '  --chat         apply the model\'s chat template to the prompt (as a user turn)',
    '  --temperature  0 means greedy; any sampling flag turns sampling on',
    '  --json         print one object: {"input_ids": [...], "output_ids": [...], "text": "..."}',
    '                 where output_ids are the new tokens only and text is their decoding',
  ].join('\n');

  constructor(
    @inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        model: { type: 'string' },
        adapter: { type: 'string' },
        prompt: { type: 'string' },
        'input-ids': { type: 'string' },
        chat: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        ...QUANTIZE_FLAGS,
        ...GENERATION_FLAGS,
      },
    });
    if (values.model === undefined) throw new Error('--model is required');
    if ((values.prompt === undefined) === (values['input-ids'] === undefined)) throw new Error('give exactly one of --prompt and --input-ids');
    if (values.chat && values.prompt === undefined) throw new Error('--chat applies the chat template to --prompt, not to --input-ids');
    const options = generationOptions(values as Partial<Record<NumericFlag, string>>);
    const input: GenerateInput =
      values.prompt !== undefined ? { texts: [values.prompt], chat: values.chat } : [parseIds(values['input-ids'] as string)];

    const quantization = quantizeFlags(values);
    const { model, generationConfig, tokenizer } = await loadModelWithAdapter(values.model, values.adapter, { methods: this.methods, quantization });
    const streaming = !values.json;
    const executor = this.executors.create();
    try {
      const result = await generate(model, executor, input, {
        ...options,
        tokenizer,
        generationConfig,
        onToken: streaming ? (e) => process.stdout.write(e.text) : undefined,
      });
      const inputIds = result.sequences[0].slice(0, result.sequences[0].length - result.outputIds[0].length);
      if (streaming) process.stdout.write('\n');
      else console.log(JSON.stringify({ input_ids: inputIds, output_ids: result.outputIds[0], text: result.texts[0] }));
      return 0;
    } finally {
      await executor.dispose();
    }
  }
}
