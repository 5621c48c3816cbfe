import { injectable } from 'tsyringe';
import { type FloatDType, writeDirAtomically } from '@tunekit/core';
import { resolveModel } from '@tunekit/models';
import { BLOCKSIZES_4BIT, describeBnbConfig, loadAnyModel, parseBnbConfig, storedQuantization } from '@tunekit/qlora';
import { parseCommandArgs, required } from '../args.js';
import { CliError, UsageError } from '../cli-error.js';
import { assertNewDir } from '../output-dir.js';
import { copyTokenizerFiles } from '../model-loading.js';
import { saveQuantizedCheckpoint } from '../quantization/quantized-checkpoint.js';
import { formatSummary, summarizeQuantization, weightFileBytes } from '../quantization/quantization-summary.js';
import type { Command } from './command.interface.js';

const USAGE =
  'tunekit quantize --model M --out DIR [--bits 4|8] [--quant-type nf4|fp4] [--double-quant] [--blocksize N] [--skip-modules a,b] [--dtype f32|bf16|f16]';
const QUANT_TYPES = ['nf4', 'fp4'];
const DTYPES: readonly FloatDType[] = ['f32', 'bf16', 'f16'];
/** Flags that only shape 4-bit blocks; LLM.int8 quantizes whole rows. */
const FOUR_BIT_ONLY = ['quant-type', 'double-quant', 'blocksize'] as const;

function oneOf<T extends string>(value: string | undefined, flag: string, choices: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!choices.includes(value as T)) throw new UsageError(`${flag} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** The block sizes bitsandbytes' 4-bit kernels take (the list Linear4bit checks). */
function blocksizeFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(BLOCKSIZES_4BIT as readonly number[]).includes(n)) throw new UsageError(`--blocksize must be one of ${BLOCKSIZES_4BIT.join(', ')}, got ${JSON.stringify(value)}`);
  return n;
}

function skipModulesFlag(value: string | undefined): string[] {
  if (value === undefined) return ['lm_head'];
  const names = value.split(',').map((s) => s.trim());
  if (names.some((s) => s === '')) throw new UsageError(`--skip-modules expects comma-separated module names, got ${JSON.stringify(value)}`);
  return names;
}

/** `tunekit quantize`: a full-precision model to a bitsandbytes 4-bit (NF4/FP4) or LLM.int8 checkpoint. */
@injectable()
export class QuantizeCommand implements Command {
  readonly name = 'quantize';
  readonly summary = 'Quantize a model to a bitsandbytes 4-bit (NF4/FP4) or 8-bit (LLM.int8) checkpoint';
  readonly usage = [
    USAGE,
    '',
    '  --model M            Full-precision model folder or Hub id',
    '  --out DIR            A new folder: config.json (with quantization_config), model.safetensors, tokenizer and generation files',
    '  --bits 4|8           4: blockwise NF4/FP4 as QLoRA uses (default); 8: LLM.int8 row-wise int8',
    '  --quant-type T       nf4 (default) | fp4; 4-bit only',
    '  --double-quant       Quantize the block scales to 8 bits too (saves ~0.37 bits per weight); 4-bit only',
    '  --blocksize N        Weights per 4-bit scale: 32, 64 (default), 128, ... 4096; 4-bit only',
    '  --skip-modules a,b   Modules kept in full precision (default lm_head)',
    '  --dtype              Storage dtype of what stays unquantized: embeddings, norms, skipped modules (default f32)',
    '',
    'Each weight is quantized as it is read, so memory stays near the quantized size. The folder loads',
    'anywhere a model does (generate, eval, merge, train) and in transformers with bitsandbytes.',
  ].join('\n');

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        model: { type: 'string' },
        out: { type: 'string' },
        bits: { type: 'string' },
        'quant-type': { type: 'string' },
        'double-quant': { type: 'boolean' },
        blocksize: { type: 'string' },
        'skip-modules': { type: 'string' },
        dtype: { type: 'string' },
      },
      USAGE,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const modelId = required(values.model, '--model', USAGE);
    const out = required(values.out, '--out', USAGE);
    const bits = oneOf(values.bits, '--bits', ['4', '8'], '4');
    if (bits === '8') {
      const given = FOUR_BIT_ONLY.find((f) => values[f] !== undefined);
      if (given) throw new UsageError(`--${given} applies to 4-bit quantization, not --bits 8`);
    }
    const blocksize = blocksizeFlag(values.blocksize);
    const config = parseBnbConfig({
      load_in_4bit: bits === '4',
      load_in_8bit: bits === '8',
      bnb_4bit_quant_type: oneOf(values['quant-type'], '--quant-type', QUANT_TYPES, 'nf4'),
      bnb_4bit_use_double_quant: values['double-quant'] ?? false,
      llm_int8_skip_modules: skipModulesFlag(values['skip-modules']),
    });
    const dtype = oneOf(values.dtype, '--dtype', DTYPES, 'f32');

    await assertNewDir(out);
    const dir = await resolveModel(modelId);
    const stored = await storedQuantization(dir);
    if (stored) throw new CliError(`${modelId} is already quantized (${describeBnbConfig(stored)}); quantize its full-precision original instead`);
    const bytesBefore = await weightFileBytes(dir);
    const loaded = await loadAnyModel(dir, { quantization: config, blocksize, dtype });
    await writeDirAtomically(out, async (staging) => {
      await saveQuantizedCheckpoint(loaded.model, staging, config, { generationConfig: loaded.generationConfig });
      await copyTokenizerFiles(dir, staging);
    }, { existing: 'refuse' });
    const summary = summarizeQuantization(loaded.model, { before: bytesBefore, after: await weightFileBytes(out) });
    console.log(`${formatSummary(summary)}; wrote ${out}`);
    return 0;
  }
}
