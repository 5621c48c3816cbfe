import { basename, join } from 'node:path';
import { injectAll, injectable } from 'tsyringe';
import type { ExportRequest, Exporter } from '@tunekit/core';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { exportGguf } from './export-gguf.js';
import { readChatTemplate } from './tokenizer/gguf-vocab.js';
import { loadMergedModel } from './model/load-merged-model.js';
import { GGUF_PRESETS, type GgufPreset, isGgufPreset } from './model/quant-presets.js';
import { ollamaModelfile } from './ollama/ollama-modelfile.js';
import { writeFile } from 'node:fs/promises';

const presetOf = (flags: ExportRequest['flags']): GgufPreset => {
  const q = String(flags.quantize ?? 'F16').toUpperCase();
  if (!isGgufPreset(q)) throw new Error(`--quantize must be one of ${Object.keys(GGUF_PRESETS).join(', ')}, got ${JSON.stringify(flags.quantize)}`);
  return q;
};

/**
 * `--format gguf`: the model (with its adapter merged, a 4-bit base dequantized first) as one GGUF
 * file for llama.cpp, and an Ollama Modelfile beside it.
 */
@injectable()
export class GgufExporter implements Exporter {
  readonly name = 'gguf';
  readonly summary = 'One GGUF file for llama.cpp and Ollama (adapter merged), with an Ollama Modelfile';
  readonly adapter = 'optional';
  readonly flags = { quantize: { type: 'string' } } as const;
  readonly usage = [`  --quantize P      ${Object.keys(GGUF_PRESETS).join(', ')} (default F16)`];

  constructor(@injectAll(PEFT_METHOD) private readonly methods: PeftMethod[]) {}

  checkFlags(flags: ExportRequest['flags']): void {
    presetOf(flags);
  }

  async run({ model, adapter, out, flags, write, print, warn }: ExportRequest): Promise<void> {
    const preset = presetOf(flags);
    const merged = await loadMergedModel(model, adapter, this.methods);
    if (merged.dequantized) print(`base: ${merged.dequantized}`);
    const name = basename(merged.dir);
    const file = `${name}-${preset}.gguf`;
    await write(async (staging) => {
      const summary = await exportGguf(merged.model, merged.tokenizer, merged.dir, join(staging, file), { preset, name });
      for (const w of summary.warnings) warn(`warning: ${w}`);
      print(`tensors: ${Object.entries(summary.types).map(([t, n]) => `${n} ${t}`).join(', ')}`);
      const modelfile = ollamaModelfile({
        gguf: file,
        chatTemplate: await readChatTemplate(merged.dir),
        generationConfig: merged.generationConfig,
        contextLength: merged.model.config.maxPositionEmbeddings,
        eosToken: merged.tokenizer.eosToken,
      });
      if (modelfile.warning) warn(modelfile.warning);
      await writeFile(join(staging, 'Modelfile'), modelfile.text);
    });
    print(`wrote ${join(out, file)} (${preset}) and ${join(out, 'Modelfile')}; run: ollama create NAME -f ${join(out, 'Modelfile')}`);
  }
}
