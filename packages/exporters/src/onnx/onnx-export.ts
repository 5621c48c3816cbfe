import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dynamicAttention, lowerToOnnx, writeJsonFile } from '@tunekit/core';
import type { CausalLM, RawConfig } from '@tunekit/models';
import { type DecoderTrace, TRACE_SIZES, traceDecoder } from './decoder.trace.js';
import { genaiConfig } from './genai-config.js';
import type { MergedModel } from '../gguf/model/load-merged-model.js';
import { type WrittenModel, writeOnnxModel } from './onnx-model.writer.js';
import { ONNX_FILES, type OnnxDtype, type Q4Options, q4MatMul, storedWeight } from './onnx-weights.js';

export interface OnnxExportOptions {
  /** Variants to write besides model.onnx (f32). */
  readonly variants: readonly Exclude<OnnxDtype, 'fp32'>[];
  readonly q4: Q4Options;
}

/** What the export reads: the model (any adapter merged), its folder (tokenizer files) and generation config. */
export type OnnxSource = Pick<MergedModel, 'model' | 'dir' | 'generationConfig'>;

export interface OnnxExportResult {
  readonly files: Readonly<Partial<Record<OnnxDtype, WrittenModel & { readonly file: string }>>>;
}

/** Files beside the weights that tokenize and format as the source model did (whatever of them it has). */
const TOKENIZER_FILE = /^(tokenizer(_config)?\.json|special_tokens_map\.json|vocab\.json|merges\.txt|added_tokens\.json|.*\.jinja)$/;

/** What the exported graph cannot follow: refused by name rather than exported wrong. */
function refuseUnsupported(model: CausalLM): void {
  if ('virtualTokenSource' in model && model.virtualTokenSource) throw new Error('onnx export: a prompt-learning adapter (virtual tokens) cannot be merged into the weights');
}

/**
 * The output head's weight, [vocab, hidden] (or the embedding a tied head shares): kept in f32 by
 * q4. On the fine-tuned quickstart, quantizing it too cost 4.5 of the 5 points q4 lost; the
 * projections alone cost 0.5 (see the README's Deploy section). onnxruntime-genai's builder has
 * the same choice (`exclude_lm_head`).
 */
function headWeights(model: CausalLM): (name: string) => boolean {
  const { vocab, hidden } = model.config;
  const names = new Set(model.namedParameters().filter(([, p]) => p.shape.length === 2 && p.shape[0] === vocab && p.shape[1] === hidden).map(([, p]) => p.name));
  return (name) => names.has(name);
}

/** One lowering per variant, of the same traces: the weights' storage and MatMul lowering differ. */
function lowerVariant(traces: readonly DecoderTrace[], dtype: OnnxDtype, q4: Q4Options) {
  const [primary, ...others] = traces;
  return lowerToOnnx(primary.graph, {
    outputNames: primary.outputNames,
    weights: (node) => storedWeight(node, dtype === 'fp16'),
    whole: { attention: dynamicAttention },
    ...(dtype === 'q4' ? { override: q4MatMul(q4) } : {}),
    dynamic: { sizes: { ...primary.sizes }, others: others.map((t) => ({ graph: t.graph, sizes: { ...t.sizes } })) },
  });
}

/**
 * Writes the decoder with its key/value cache as ONNX, in the folder layout transformers.js and
 * onnxruntime-genai load: onnx/model.onnx (+ model_fp16.onnx, model_q4.onnx), config.json,
 * generation_config.json, the tokenizer files and genai_config.json. The graph is the engine's own
 * lowering of the model's traced forward, with batch, sequence and past lengths left symbolic.
 */
export async function exportOnnx(source: OnnxSource, dir: string, opts: OnnxExportOptions): Promise<OnnxExportResult> {
  const { model } = source;
  refuseUnsupported(model);
  const traces = TRACE_SIZES.map((sizes) => traceDecoder(model, sizes));
  const q4 = { ...opts.q4, keep: opts.q4.keep ?? headWeights(model) };
  await mkdir(join(dir, 'onnx'), { recursive: true });
  const files: Partial<Record<OnnxDtype, WrittenModel & { file: string }>> = {};
  for (const dtype of ['fp32', ...opts.variants] as const) {
    const file = ONNX_FILES[dtype];
    files[dtype] = { file, ...(await writeOnnxModel(join(dir, 'onnx'), file, lowerVariant(traces, dtype, q4))) };
  }
  const written = Object.values(files).map((f) => f.file);
  const { quantization_config: _, ...raw } = model.config.raw as RawConfig & { quantization_config?: unknown };
  await writeJsonFile(join(dir, 'config.json'), { ...raw, 'transformers.js_config': { use_external_data_format: Object.fromEntries(written.map((f) => [f, 1])) } });
  const generation = source.generationConfig ?? { bos_token_id: model.config.bosTokenId, eos_token_id: model.config.eosTokenId, pad_token_id: model.config.padTokenId };
  await writeJsonFile(join(dir, 'generation_config.json'), generation);
  for (const name of await readdir(source.dir)) if (TOKENIZER_FILE.test(name)) await copyFile(join(source.dir, name), join(dir, name));
  // onnxruntime-genai runs one decoder: the smallest written.
  const genaiFile = files.q4?.file ?? files.fp16?.file ?? files.fp32!.file;
  await writeJsonFile(join(dir, 'genai_config.json'), genaiConfig(model.config, source.generationConfig, `onnx/${genaiFile}`));
  return { files };
}
