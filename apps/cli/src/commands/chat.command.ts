import { createInterface } from 'node:readline';
import { inject, injectAll, injectable } from 'tsyringe';
import { type Message, generate } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { parseCommandArgs, required } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import type { ExecutorChoice } from '../executor-choice.js';
import { loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import { EXECUTOR_CHOICE } from '../tokens.js';
import { GENERATION_FLAGS, type NumericFlag, generationOptions } from './generation-flags.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit chat --model M [--adapter DIR] [--system TEXT] [--max-new-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--seed S]';
const DEFAULT_MAX_NEW_TOKENS = 256;

/** What a line typed at the prompt does when it starts with `/`. */
const CHAT_COMMANDS: Readonly<Record<string, string>> = {
  '/reset': 'forget the conversation so far (the system message stays)',
  '/exit': 'leave (as does Ctrl-D)',
  '/help': 'list these commands',
};

/**
 * `tunekit chat`: try a fine-tuned model the way its users will. Each line typed is a user turn;
 * the whole conversation goes through the model's chat template and the answer streams as it is
 * generated. Reads stdin line by line, so a pipe of questions works as well as a terminal.
 */
@injectable()
export class ChatCommand implements Command {
  readonly name = 'chat';
  readonly summary = "Talk to a model (and adapter) through its chat template, streamed";
  readonly usage = [
    USAGE,
    '',
    '  --adapter DIR     a saved adapter (PEFT layout, e.g. a `tunekit train` output_dir) applied on top',
    '  --system TEXT     a system message at the start of the conversation',
    `  --max-new-tokens  tokens per answer at most (default ${DEFAULT_MAX_NEW_TOKENS}); the model's EOS ends an answer earlier`,
    "  --temperature     0 means greedy; any sampling flag turns sampling on (without one, generation_config.json decides)",
    ...quantizeUsage(18, 'quantize the base while loading, as QLoRA training did'),
    '',
    ...Object.entries(CHAT_COMMANDS).map(([c, what]) => `  ${c.padEnd(17)} ${what}`),
  ].join('\n');

  constructor(
    @inject(EXECUTOR_CHOICE) private readonly executors: ExecutorChoice,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { model: { type: 'string' }, adapter: { type: 'string' }, system: { type: 'string' }, ...GENERATION_FLAGS, ...QUANTIZE_FLAGS },
      USAGE,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const modelId = required(values.model, '--model', USAGE);
    const options = { maxNewTokens: DEFAULT_MAX_NEW_TOKENS, ...generationOptions(values as Partial<Record<NumericFlag, string>>) };
    const { model, tokenizer, generationConfig } = await loadModelWithAdapter(modelId, values.adapter, { methods: this.methods, quantization: quantizeFlags(values) });
    const system: Message[] = values.system === undefined ? [] : [{ role: 'system', content: values.system }];
    // Fail before the first question: a model without a template cannot chat.
    try {
      tokenizer.applyChatTemplate([...system, { role: 'user', content: '' }], { addGenerationPrompt: true });
    } catch (e) {
      throw new CliError(`${modelId}: ${(e as Error).message}; tunekit chat needs a chat template (tunekit generate --prompt works without one)`);
    }

    const tty = process.stdin.isTTY === true;
    const out = process.stdout;
    if (tty) out.write(`chatting with ${modelId}${values.adapter ? ` + ${values.adapter}` : ''}; /help lists commands, Ctrl-D leaves\n`);
    const executor = this.executors.create();
    let history: Message[] = [...system];
    try {
      const lines = createInterface({ input: process.stdin, terminal: false });
      if (tty) out.write('> ');
      for await (const line of lines) {
        const text = line.trim();
        if (text === '/exit') break;
        if (text === '/reset') history = [...system];
        else if (text === '/help') for (const [c, what] of Object.entries(CHAT_COMMANDS)) out.write(`${c}  ${what}\n`);
        else if (text !== '') {
          history.push({ role: 'user', content: text });
          const ids = tokenizer.encodeChat(history, { addGenerationPrompt: true });
          const result = await generate(model, executor, [ids], { ...options, tokenizer, generationConfig, onToken: (e) => out.write(e.text) });
          out.write('\n');
          history.push({ role: 'assistant', content: result.texts[0].trim() });
        }
        if (tty) out.write('> ');
      }
      return 0;
    } finally {
      await executor.dispose();
    }
  }
}
