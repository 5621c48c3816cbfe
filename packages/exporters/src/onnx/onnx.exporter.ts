import { type ExportRequest, type Exporter } from '@tunekit/core';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { injectAll, injectable } from 'tsyringe';
import { loadMergedModel } from '../gguf/model/load-merged-model.js';
import { exportOnnx } from './onnx-export.js';
import type { OnnxDtype } from './onnx-weights.js';

const VARIANTS: readonly Exclude<OnnxDtype, 'fp32'>[] = ['fp16', 'q4'];
/** MatMulNBits' block size along K (the int4 layout onnxruntime-genai's builder writes by default). */
const Q4_BLOCK = 32;

/** `--quantize fp16|q4|fp16,q4`: the variants written beside model.onnx. */
function variantsOf(flags: ExportRequest['flags']): Exclude<OnnxDtype, 'fp32'>[] {
  const given = flags.quantize;
  if (given === undefined) return [];
  const list = String(given).split(',').map((s) => s.trim());
  const bad = list.find((v) => !(VARIANTS as readonly string[]).includes(v));
  if (bad !== undefined) throw new Error(`--quantize: unknown variant ${JSON.stringify(bad)}; choose ${VARIANTS.join(', ')} (comma-separated for both)`);
  return [...new Set(list)] as Exclude<OnnxDtype, 'fp32'>[];
}

/** `--accuracy-level 0..4`: the lowest type MatMulNBits may compute its input in (4 = int8, fastest on CPU). */
function accuracyLevelOf(flags: ExportRequest['flags']): number {
  const given = flags['accuracy-level'];
  if (given === undefined) return 4;
  const level = Number(given);
  if (!Number.isInteger(level) || level < 0 || level > 4) throw new Error(`--accuracy-level must be an integer 0-4 (0 unset, 1 f32, 2 f16, 3 bf16, 4 int8), got ${JSON.stringify(given)}`);
  return level;
}

/**
 * `--format onnx`: the decoder with its key/value cache for ONNX Runtime, onnxruntime-genai and
 * transformers.js, with any adapter merged first.
 */
@injectable()
export class OnnxExporter implements Exporter {
  readonly name = 'onnx';
  readonly summary = 'ONNX decoder with KV cache (onnx/model.onnx, transformers.js and onnxruntime-genai layout)';
  readonly adapter = 'optional';
  readonly flags = { quantize: { type: 'string' }, 'accuracy-level': { type: 'string' } } as const;
  readonly usage = [
    '  --quantize V      Also write onnx/model_V.onnx: fp16 (f16 weights), q4 (int4 MatMulNBits, block 32); fp16,q4 for both',
    '  --accuracy-level  q4: lowest compute type of MatMulNBits\' input, 0-4 (default 4: int8)',
  ];

  constructor(@injectAll(PEFT_METHOD) private readonly methods: PeftMethod[]) {}

  checkFlags(flags: ExportRequest['flags']): void {
    variantsOf(flags);
    accuracyLevelOf(flags);
  }

  async run({ model, adapter, out, flags, write, print }: ExportRequest): Promise<void> {
    const variants = variantsOf(flags);
    const source = await loadMergedModel(model, adapter, this.methods);
    if (source.dequantized) print(`base: ${source.dequantized}`);
    let result: Awaited<ReturnType<typeof exportOnnx>> | null = null;
    await write(async (staging) => {
      result = await exportOnnx(source, staging, { variants, q4: { blockSize: Q4_BLOCK, accuracyLevel: accuracyLevelOf(flags) } });
    });
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    for (const f of Object.values(result!.files)) print(`onnx/${f.file}: ${mb(f.modelBytes + f.dataBytes)}`);
    print(`exported ${model}${adapter ? ` with ${adapter} merged` : ''} to ${out} (ONNX, KV cache)`);
  }
}
