import { parseArgs } from 'node:util';
import { inject, injectAll, injectable } from 'tsyringe';
import { type GenerateInput, type GenerateOptions, generate } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import type { ExecutorChoice } from '../executor-choice.js';
import { loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import type { Command } from './command.interface.js';

type GenerationFlags = Pick<GenerateOptions, 'maxNewTokens' | 'temperature' | 'topK' | 'topP' | 'seed' | 'doSample'>;
type NumericFlag = 'max-new-tokens' | 'temperature' | 'top-k' | 'top-p' | 'seed';

interface NumericRule {
  readonly option: Exclude<keyof GenerationFlags, 'doSample'>;
  readonly valid: (n: number) => boolean;
  readonly expected: string;
}

const integer = (min: number) => (n: number) => Number.isSafeInteger(n) && n >= min;

/** Each numeric flag: the option it sets and the values it accepts (checked here, so the message names the flag). */
const NUMERIC_FLAGS: Readonly<Record<NumericFlag, NumericRule>> = {
  'max-new-tokens': { option: 'maxNewTokens', valid: integer(1), expected: 'an integer ≥ 1' },
  temperature: { option: 'temperature', valid: (n) => n >= 0, expected: 'a number ≥ 0' },
  'top-k': { option: 'topK', valid: integer(0), expected: 'an integer ≥ 0' },
  'top-p': { option: 'topP', valid: (n) => n > 0 && n <= 1, expected: 'a number in (0, 1]' },
  seed: { option: 'seed', valid: integer(0), expected: 'an integer ≥ 0' },
};

const SAMPLING_FLAGS: readonly NumericFlag[] = ['temperature', 'top-k', 'top-p'];

function parseNumber(flag: NumericFlag, text: string): number {
  const rule = NUMERIC_FLAGS[flag];
  const n = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(n) || !rule.valid(n)) throw new Error(`--${flag} expects ${rule.expected}, got ${JSON.stringify(text)}`);
  return n;
}

function parseIds(text: string): number[] {
  const ids = text.split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (ids.some((id) => !Number.isSafeInteger(id) || id < 0)) throw new Error(`--input-ids expects comma-separated token ids, got ${JSON.stringify(text)}`);
  return ids;
}

/**
 * The generation options the flags set. Naming a sampling flag asks for sampling (temperature 0
 * asks for greedy); with none, generation_config.json decides, as in transformers.
 */
function optionsOf(values: Partial<Record<NumericFlag, string>>): GenerationFlags {
  const options: GenerationFlags = {};
  for (const flag of Object.keys(NUMERIC_FLAGS) as NumericFlag[]) {
    const text = values[flag];
    if (text !== undefined) options[NUMERIC_FLAGS[flag].option] = parseNumber(flag, text);
  }
  if (SAMPLING_FLAGS.some((f) => values[f] !== undefined)) options.doSample = options.temperature !== 0;
  return options;
}

/** `tunekit generate`: text or ids from a local or Hub model, streamed, or as one JSON object. */
@injectable()
export class GenerateCommand implements Command {
  readonly name = 'generate';
  readonly summary = 'Generate text from a model (greedy or sampled, streamed)';
  readonly usage = [
    'tunekit generate --model PATH_OR_ID [--adapter DIR] (--prompt TEXT | --input-ids 1,2,3) [--chat]',
    '                 [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--json]',
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
        ...Object.fromEntries(Object.keys(NUMERIC_FLAGS).map((f) => [f, { type: 'string' } as const])),
      },
    });
    if (values.model === undefined) throw new Error('--model is required');
    if ((values.prompt === undefined) === (values['input-ids'] === undefined)) throw new Error('give exactly one of --prompt and --input-ids');
    if (values.chat && values.prompt === undefined) throw new Error('--chat applies the chat template to --prompt, not to --input-ids');
    const options = optionsOf(values as Partial<Record<NumericFlag, string>>);
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
