import { injectAll, injectable } from 'tsyringe';
import { type ExportRequest, type Exporter, type FloatDType, HostTensor, type Module, fromFloat32 } from '@tunekit/core';
import { type RawConfig, saveModel } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { type BnbConfig, describeBnbConfig } from '@tunekit/qlora';
import { UsageError } from '../cli-error.js';
import { type ModelWithAdapter, copyTokenizerFiles, loadModelWithAdapter } from '../model-loading.js';
import { QUANTIZE_FLAGS, quantizeFlags, quantizeUsage } from '../quantization/quantize-flags.js';
import { saveQuantizedCheckpoint } from '../quantization/quantized-checkpoint.js';

const DTYPES: readonly FloatDType[] = ['f32', 'bf16', 'f16'];

/** Casts every parameter's storage (the merge itself runs in f32, so rounding happens once, here). */
function castParameters(model: Module, dtype: FloatDType): void {
  for (const p of model.parameters()) if (p.dtype !== dtype) p.assign(new HostTensor(dtype, p.shape, fromFloat32(dtype, p.value.toFloat32())));
}

/** config.json of a plain checkpoint: the base's, minus the quantization_config its weights no longer have. */
function plainConfig(raw: RawConfig): RawConfig {
  const { quantization_config: _, ...rest } = raw;
  return rest;
}

/** What happened to a quantized base, in words (nothing for a full-precision one). */
function baseLine(loaded: ModelWithAdapter): string | null {
  if (!loaded.quantization || loaded.dequantized.length === 0) return null;
  return `base: dequantized ${loaded.dequantized.length} layers from ${loaded.dequantized[0]!.bits}-bit to f32 before merging (${describeBnbConfig(loaded.quantization)})`;
}

function lossyWarning(c: BnbConfig): string {
  return (
    `warning: re-quantizing merged weights is lossy: rounding them to ${c.load_in_4bit ? `4-bit ${c.bnb_4bit_quant_type}` : 'int8'} moves every weight, ` +
    'so the written model is not exactly base + adapter (keep the 16/32-bit merge, or the base and the adapter, for exact outputs)'
  );
}

const dtypeOf = (flags: ExportRequest['flags']): FloatDType => {
  const dtype = (flags.dtype ?? 'f32') as FloatDType;
  if (!DTYPES.includes(dtype)) throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(flags.dtype)}`);
  return dtype;
};
const requantizeOf = (flags: ExportRequest['flags']) => quantizeFlags(flags as { quantize?: string; 'double-quant'?: boolean });

/**
 * `--format hf` (and `tunekit merge`): folds an adapter into its base model and writes a plain
 * Hugging Face checkpoint: config.json, model.safetensors, tokenizer and generation files.
 */
@injectable()
export class HfMergedExporter implements Exporter {
  readonly name = 'hf';
  readonly summary = 'A Hugging Face checkpoint with the adapter merged into the base weights';
  readonly adapter = 'required';
  readonly flags = { dtype: { type: 'string' }, ...QUANTIZE_FLAGS } as const;
  readonly usage = ['  --dtype           Storage dtype of the merged weights (default f32)', ...quantizeUsage(18, 'quantize the merged weights (lossy)')];

  constructor(@injectAll(PEFT_METHOD) private readonly methods: PeftMethod[]) {}

  checkFlags(flags: ExportRequest['flags']): void {
    dtypeOf(flags);
    requantizeOf(flags);
  }

  async run({ model, adapter, out, flags, write, print, warn }: ExportRequest): Promise<void> {
    const dtype = dtypeOf(flags);
    const requantize = requantizeOf(flags);
    // 4- and 8-bit codes cannot absorb an adapter's delta: the merge happens on the dequantized f32 weights.
    const loaded = await loadModelWithAdapter(model, adapter!, { dtype: 'f32', methods: this.methods, dequantize: true });
    const base = baseLine(loaded);
    if (base) print(base);
    // mergeAndUnload works in place: the loaded model object is the merged one, with its own layers back.
    loaded.adapter!.mergeAndUnload();
    castParameters(loaded.model, dtype);
    if (requantize) warn(lossyWarning(requantize));
    await write(async (staging) => {
      if (requantize) await saveQuantizedCheckpoint(loaded.model, staging, requantize, { generationConfig: loaded.generationConfig });
      else await saveModel(loaded.model, staging, { generationConfig: loaded.generationConfig, config: plainConfig(loaded.model.config.raw) });
      await copyTokenizerFiles(loaded.dir, staging);
    });
    print(`merged ${adapter} into ${model}: wrote ${out} (${requantize ? `${describeBnbConfig(requantize)}, other weights ${dtype}` : dtype})`);
  }
}
