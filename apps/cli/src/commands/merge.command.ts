import { inject, injectAll, injectable } from 'tsyringe';
import { EXECUTOR, type Executor, type FloatDType, HostTensor, type Module, fromFloat32 } from '@tunekit/core';
import { saveModel } from '@tunekit/models';
import { PEFT_METHOD, type PeftMethod } from '@tunekit/peft-lora';
import { parseCommandArgs, required } from '../args.js';
import { UsageError } from '../cli-error.js';
import { assertNewDir, writeNewDir } from '../fs-atomic.js';
import { copyTokenizerFiles, loadModelWithAdapter } from '../model-loading.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit merge --model M --adapter DIR --out DIR [--dtype f32|bf16]';
const DTYPES: readonly FloatDType[] = ['f32', 'bf16'];

/** Casts every parameter's storage (the merge itself runs in f32, so rounding happens once, here). */
function castParameters(model: Module, dtype: FloatDType): void {
  for (const p of model.parameters()) if (p.dtype !== dtype) p.assign(new HostTensor(dtype, p.shape, fromFloat32(dtype, p.value.toFloat32())));
}

/** `tunekit merge`: folds an adapter into its base model and writes a plain Hugging Face checkpoint. */
@injectable()
export class MergeCommand implements Command {
  readonly name = 'merge';
  readonly summary = 'Merge an adapter into its base model as a Hugging Face checkpoint';
  readonly usage = [
    USAGE,
    '',
    '  --model M      Base model folder or Hub id',
    '  --adapter DIR  The adapter (PEFT layout)',
    '  --out DIR      A new folder: config.json, model.safetensors, tokenizer and generation files',
    '  --dtype        Storage dtype of the merged weights (default f32)',
  ].join('\n');

  constructor(
    @inject(EXECUTOR) private readonly executor: Executor,
    @injectAll(PEFT_METHOD) private readonly methods: PeftMethod[],
  ) {}

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(
      argv,
      { model: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' } },
      USAGE,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${USAGE}`);
    const modelId = required(values.model, '--model', USAGE);
    const adapterDir = required(values.adapter, '--adapter', USAGE);
    const out = required(values.out, '--out', USAGE);
    const dtype = (values.dtype ?? 'f32') as FloatDType;
    if (!DTYPES.includes(dtype)) throw new UsageError(`--dtype must be one of ${DTYPES.join(', ')}, got ${JSON.stringify(values.dtype)}`);

    await assertNewDir(out);
    const loaded = await loadModelWithAdapter(modelId, adapterDir, { dtype: 'f32', executor: this.executor, methods: this.methods });
    // mergeAndUnload works in place: the loaded model object is the merged one, with its own layers back.
    loaded.adapter!.mergeAndUnload();
    castParameters(loaded.model, dtype);
    await writeNewDir(out, async (staging) => {
      await saveModel(loaded.model, staging, { generationConfig: loaded.generationConfig });
      await copyTokenizerFiles(loaded.dir, staging);
    });
    console.log(`merged ${adapterDir} into ${modelId}: wrote ${out} (${dtype})`);
    return 0;
  }
}
