import { inject, injectable } from 'tsyringe';
import { HfMergedExporter } from '../export/hf-merged.exporter.js';
import { runExport } from './export.command.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit merge --model M --adapter DIR --out DIR [--dtype f32|bf16|f16] [--quantize nf4|fp4|int8 [--double-quant]]';

/** `tunekit merge`: the alias of `tunekit export --format hf`, which folds an adapter into its base model. */
@injectable()
export class MergeCommand implements Command {
  readonly name = 'merge';
  readonly summary = 'Merge an adapter into its base model as a Hugging Face checkpoint (export --format hf)';

  constructor(@inject(HfMergedExporter) private readonly exporter: HfMergedExporter) {}

  get usage(): string {
    return [
      USAGE,
      '',
      '  --model M         Base model folder or Hub id; a 4/8-bit (bitsandbytes) base is dequantized first',
      '  --adapter DIR     The adapter (PEFT layout)',
      '  --out DIR         A new folder: config.json, model.safetensors, tokenizer and generation files',
      ...this.exporter.usage,
    ].join('\n');
  }

  async run(argv: string[]): Promise<number> {
    await runExport(this.exporter, argv, USAGE);
    return 0;
  }
}
