import { writeDirAtomically } from '@tunekit/core';
import { injectable } from 'tsyringe';
import { resolveDataFiles } from '@tunekit/data';
import {
  CHAT_TEMPLATE_NAMES,
  type ChatTemplateName,
  type CorpusFile,
  PRE_TOKENIZER_NAMES,
  type PreTokenizerName,
  corpusFormatOf,
  isChatTemplateName,
  isPreTokenizerName,
  minimumVocabSize,
  resolveSpecialTokens,
  trainTokenizer,
  writeTokenizerFiles,
} from '@tunekit/models';
import { parseCommandArgs, positiveInt, required } from '../args.js';
import { UsageError } from '../cli-error.js';
import { assertNewDir } from '../output-dir.js';
import { TrainProgressLine } from '../tokenizer/train-progress.js';
import type { Command } from './command.interface.js';

const TRAIN_USAGE =
  'tunekit tokenizer train --data FILE_OR_GLOB [--data ...] --vocab-size N --out DIR [--pattern llama3|gpt2] [--special-tokens T1,T2] [--chat-template chatml] [--text-field NAME]';

const OPTIONS = {
  data: { type: 'string', multiple: true },
  'vocab-size': { type: 'string' },
  out: { type: 'string' },
  pattern: { type: 'string' },
  'special-tokens': { type: 'string' },
  'chat-template': { type: 'string' },
  'text-field': { type: 'string' },
} as const;

/** A flag whose value must be one of a few names. */
function oneOf<T extends string>(value: string | undefined, flag: string, names: readonly T[], is: (v: string) => v is T): T | undefined {
  if (value === undefined) return undefined;
  if (!is(value)) throw new UsageError(`${flag} must be one of ${names.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** `--special-tokens a,b`: an empty value asks for none. */
function specialTokensOf(value: string | undefined, chatTemplate: ChatTemplateName | undefined): string[] {
  try {
    return resolveSpecialTokens(value === undefined ? undefined : value === '' ? [] : value.split(','), chatTemplate);
  } catch (e) {
    throw new UsageError(`--special-tokens: ${(e as Error).message}`);
  }
}

/** Files and globs, in the order given, each checked to exist and to be text or JSONL before any work starts. */
async function corpusFiles(patterns: readonly string[]): Promise<CorpusFile[]> {
  if (patterns.length === 0) throw new UsageError(`--data is required; usage: ${TRAIN_USAGE}`);
  const files = await resolveDataFiles(patterns).catch((e: Error) => {
    throw new UsageError(`--data: ${e.message.replace(/^dataset path: /, '')}`);
  });
  return files.map(({ path, displayName }) => {
    try {
      return { path, displayName, format: corpusFormatOf(path, displayName) };
    } catch (e) {
      throw new UsageError(`--data: ${(e as Error).message}`);
    }
  });
}

/** `tunekit tokenizer train`: a byte-level BPE tokenizer.json (and tokenizer_config.json) learnt from text. */
@injectable()
export class TokenizerCommand implements Command {
  readonly name = 'tokenizer';
  readonly summary = 'Train a byte-level BPE tokenizer on text or JSONL files';
  readonly usage = [
    TRAIN_USAGE,
    '',
    '  --data           Text files (any extension) or JSONL (.jsonl, .ndjson); globs are expanded,',
    '                   and files named after the flags count too (so a shell glob works)',
    '  --vocab-size     Tokens in all: special tokens + 256 bytes + merges',
    '  --out            A new folder: tokenizer.json and tokenizer_config.json',
    `  --pattern        Pre-tokenizer regex: ${PRE_TOKENIZER_NAMES.join(' or ')} (default llama3)`,
    '  --special-tokens Comma-separated, ids 0, 1, ... (default <|endoftext|>; "" for none).',
    '                   The first is BOS, EOS and padding',
    `  --chat-template  ${CHAT_TEMPLATE_NAMES.join(', ')}: adds <|im_start|>/<|im_end|>, EOS becomes <|im_end|>`,
    '  --text-field     The JSONL field holding the text (default text)',
  ].join('\n');

  async run(argv: string[]): Promise<number> {
    const [subcommand, ...rest] = argv;
    if (subcommand !== 'train') {
      throw new UsageError(`${subcommand === undefined ? 'expected a subcommand' : `unknown subcommand "${subcommand}"`}; usage: ${TRAIN_USAGE}`);
    }
    return this.train(rest);
  }

  private async train(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, OPTIONS, TRAIN_USAGE);
    const out = required(values.out, '--out', TRAIN_USAGE);
    const vocabSize = positiveInt(required(values['vocab-size'], '--vocab-size', TRAIN_USAGE), '--vocab-size', 0);
    const preTokenizer: PreTokenizerName = oneOf(values.pattern, '--pattern', PRE_TOKENIZER_NAMES, isPreTokenizerName) ?? 'llama3';
    const chatTemplate = oneOf(values['chat-template'], '--chat-template', CHAT_TEMPLATE_NAMES, isChatTemplateName);
    const specialTokens = specialTokensOf(values['special-tokens'], chatTemplate);
    const minimum = minimumVocabSize(specialTokens);
    if (vocabSize < minimum) {
      throw new UsageError(`--vocab-size ${vocabSize} is too small: the 256 byte tokens and ${specialTokens.length} special token(s) need at least ${minimum}`);
    }
    const files = await corpusFiles([...(values.data ?? []), ...positionals]);
    await assertNewDir(out);

    const progress = new TrainProgressLine();
    const trained = await trainTokenizer({
      files,
      vocabSize,
      preTokenizer,
      specialTokens,
      chatTemplate,
      textField: values['text-field'],
      onProgress: (p) => progress.update(p),
    });
    progress.end();
    await writeDirAtomically(out, (staging) => writeTokenizerFiles(staging, trained), { existing: 'refuse' });

    const { stats, model } = trained;
    const seconds = (stats.countMs + stats.mergeMs) / 1000;
    const megabytes = stats.bytes / 1e6;
    const shortBy = vocabSize - model.tokens.length;
    console.log(
      `wrote ${out}: vocab ${model.tokens.length} (${specialTokens.length} special, 256 bytes, ${model.merges.length} merges), ` +
        `${megabytes.toFixed(1)} MB in ${seconds.toFixed(1)} s (${(megabytes / Math.max(seconds, 1e-3)).toFixed(2)} MB/s)` +
        (shortBy > 0 ? `; ${shortBy} short of --vocab-size: every word of the data is already one token` : ''),
    );
    return 0;
  }
}
