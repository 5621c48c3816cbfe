import type { CausalLM, HfTokenizer } from '@tunekit/models';
import { writeGguf } from './format/gguf.writer.js';
import type { GgmlTypeName } from './quant/ggml-types.js';
import { checkGgufSupport, modelMetadata } from './model/gguf-metadata.js';
import { modelTensors } from './model/gguf-tensors.js';
import type { GgufPreset } from './model/quant-presets.js';

export interface GgufExportOptions {
  readonly preset: GgufPreset;
  /** general.name. */
  readonly name: string;
}

export interface GgufExportSummary {
  /** How many tensors went out in each type. */
  readonly types: Readonly<Partial<Record<GgmlTypeName, number>>>;
  /** Where llama.cpp will not compute what TuneKit does (beyond some context length). */
  readonly warnings: readonly string[];
}

/**
 * Writes a loaded (and merged) model as one GGUF file llama.cpp loads: metadata, tokenizer and every
 * weight, encoded tensor by tensor as the file is written. `tokenizerDir` holds tokenizer.json.
 */
export async function exportGguf(model: CausalLM, tokenizer: HfTokenizer, tokenizerDir: string, path: string, options: GgufExportOptions): Promise<GgufExportSummary> {
  const warnings = checkGgufSupport(model.config);
  const metadata = await modelMetadata(model.config, tokenizer, tokenizerDir, options.preset, options.name);
  const tensors = modelTensors(model, options.preset);
  await writeGguf(path, { metadata, tensors });
  const types: Partial<Record<GgmlTypeName, number>> = {};
  for (const t of tensors) types[t.type] = (types[t.type] ?? 0) + 1;
  return { types, warnings };
}
