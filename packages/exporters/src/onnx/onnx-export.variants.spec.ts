import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Tensor, f16BitsToF32, f32ToF16Bits, readSafetensors } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import { type LoadedModel, generate, loadModel } from '@tunekit/models';
import { AutoModelForCausalLM, Tensor as JsTensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportedDecoder } from '../testing/onnx-runtime.test-support.js';
import { dequantizeQ4, quantizeQ4 } from './matmul-nbits.quantizer.js';
import { exportOnnx } from './onnx-export.js';
import type { OnnxDtype, Q4Options } from './onnx-weights.js';

const LLAMA = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/archs/llama/', import.meta.url));

env.allowRemoteModels = false;

const rounded16 = (w: Float32Array) => Float32Array.from(w, (v) => f16BitsToF32(f32ToF16Bits(v)));
const q4Of = (symmetric: boolean) => (w: Float32Array, [n, k]: readonly number[]) => dequantizeQ4(quantizeQ4(w, n, k, 32, { symmetric }));
const isProjection = (name: string, shape: readonly number[]) => shape.length === 2 && name !== 'model.embed_tokens.weight';

interface VariantCase {
  readonly dtype: Exclude<OnnxDtype, 'fp32'>;
  readonly q4: Partial<Q4Options>;
  /**
   * What the variant stores, applied to TuneKit's own weights: fp16 rounds every weight to f16; q4
   * takes the projections through the int4 codes (not the embedding, which this untied head does not
   * share, and by default not the head). Both then compute in f32, as the exported graphs do.
   */
  readonly stored: (name: string, w: Float32Array, shape: readonly number[]) => Float32Array;
}

const CASES: Record<string, VariantCase> = {
  fp16: { dtype: 'fp16', q4: {}, stored: (_n, w) => rounded16(w) },
  'q4 (head kept f32)': { dtype: 'q4', q4: {}, stored: (name, w, shape) => (isProjection(name, shape) && name !== 'lm_head.weight' ? q4Of(false)(w, shape) : w) },
  'q4 symmetric, head quantized too': { dtype: 'q4', q4: { symmetric: true, keep: () => false }, stored: (name, w, shape) => (isProjection(name, shape) ? q4Of(true)(w, shape) : w) },
};

describe.each(Object.keys(CASES))('ONNX export, %s variant of golden llama', (label) => {
  const { dtype, q4, stored } = CASES[label];
  let out: string;
  let reference: LoadedModel;
  let decoder: ExportedDecoder;
  const executor = new OrtExecutor({ threads: 1 });

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), `tunekit-onnx-${dtype}-`));
    // accuracy_level 1: MatMulNBits computes in f32, so the graph is exactly the dequantized weights' product.
    await exportOnnx(await loadModel(join(LLAMA, 'model')), out, { variants: [dtype], q4: { blockSize: 32, accuracyLevel: 1, ...q4 } });
    reference = await loadModel(join(LLAMA, 'model'));
    for (const [name, p] of reference.model.namedParameters()) p.assign(HostTensor.f32(p.shape, stored(name, p.value.toFloat32(), p.shape)));
    decoder = await ExportedDecoder.open(out, `model_${dtype}.onnx`, reference.model.config.layers);
  });
  afterAll(async () => {
    await decoder?.release();
    await executor.dispose();
    await rm(out, { recursive: true, force: true });
  });

  it('is written beside model.onnx, each with its external data, and is smaller', async () => {
    const files = await readdir(join(out, 'onnx'));
    expect(files.sort()).toEqual(['model.onnx', 'model.onnx_data', `model_${dtype}.onnx`, `model_${dtype}.onnx_data`].sort());
  });

  it('onnxruntime-node gives the logits of TuneKit running the weights as stored', async () => {
    const forward = await readSafetensors(join(LLAMA, 'public', 'forward.safetensors'));
    const [ids, mask, positions] = ['input_ids', 'attention_mask', 'position_ids'].map((k) => rowsOf(forward.get(k)!));
    const [b, t] = [ids.length, ids[0].length];
    const input = (name: string) => Tensor.input(name, [b, t], 'i64');
    const { logits } = reference.model.call(input('input_ids'), { attentionMask: input('attention_mask'), positionIds: input('position_ids') });
    const host = (rows: number[][]) => HostTensor.i64([b, t], rows.flat());
    const [want] = await executor.compile([logits]).run({ input_ids: host(ids), attention_mask: host(mask), position_ids: host(positions) });
    const { kvHeads, headDim } = reference.model.config;
    const got = await decoder.run(ids, mask, positions, decoder.emptyPast(b, kvHeads, headDim));
    expect(reportGoldenError(`onnx llama ${dtype} logits`, relativeError(got.logits, want.toFloat32()))).toBeLessThanOrEqual(1e-4);
  });

  it(`transformers.js (dtype ${dtype}) generates TuneKit's greedy tokens for those weights`, async () => {
    const lm = await AutoModelForCausalLM.from_pretrained(out, { local_files_only: true, dtype });
    try {
      for (const prompt of [[1, 5, 9, 200, 31, 7], [42, 17, 3]]) {
        const mine = await generate(reference.model, executor, [prompt], { maxNewTokens: 8, eosTokenIds: [], doSample: false });
        const input_ids = new JsTensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
        const theirs = (await lm.generate({ input_ids, max_new_tokens: 8, min_new_tokens: 8, do_sample: false })) as JsTensor;
        expect(Array.from(theirs.data as BigInt64Array, Number).slice(prompt.length)).toEqual(mine.outputIds[0]);
      }
    } finally {
      await lm.dispose();
    }
  });
});
