import { basename, join } from 'node:path';
import { injectable } from 'tsyringe';
import type { ExportRequest, Exporter } from '@tunekit/core';
import { readModelConfig, resolveModel } from '@tunekit/models';
import { exportGgufLora } from './lora/export-gguf-lora.js';

/** `--format gguf-lora`: a LoRA adapter as llama.cpp's adapter GGUF, applied to a GGUF base with `--lora`. */
@injectable()
export class GgufLoraExporter implements Exporter {
  readonly name = 'gguf-lora';
  readonly summary = "A LoRA adapter as llama.cpp's adapter GGUF (llama-cli --lora FILE)";
  readonly adapter = 'required';
  readonly flags = {} as const;
  readonly usage: readonly string[] = [];

  checkFlags(): void {}

  async run({ model, adapter, out, write, print }: ExportRequest): Promise<void> {
    const config = await readModelConfig(await resolveModel(model), 'causal-lm');
    const file = `${basename(adapter!)}-lora.gguf`;
    await write(async (staging) => {
      const { tensors } = await exportGgufLora(adapter!, config, join(staging, file), basename(adapter!));
      print(`${tensors} LoRA tensors`);
    });
    print(`wrote ${join(out, file)}; run with the base exported by --format gguf: llama-cli -m BASE.gguf --lora ${join(out, file)}`);
  }
}
