import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostTensor, OrtExecutor, Tensor, readSafetensors } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import { type LoadedModel, generate, loadModel } from '@tunekit/models';
import { AutoModelForCausalLM, Tensor as JsTensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportedDecoder } from '../testing/onnx-runtime.test-support.js';
import { exportOnnx } from './onnx-export.js';

const GOLDEN = fileURLToPath(new URL('../../../../../shared/fixtures/golden-transformers/', import.meta.url));

/**
 * Every golden architecture the export runs, by fixture folder. The sliding-window ones (archs/mistral,
 * gemma2, gemma3_text) have windows of 5 and 4, shorter than the 8-token prefill and the later pasts,
 * so the steps below cross them. transformers.js 4.3 has no mixtral, so that one is proven with
 * onnxruntime-node alone.
 */
const ARCHS = ['llama', 'qwen2', 'gpt2', 'llama_tied_bf16_sharded', 'qwen3', 'mistral'].map((a) => `archs/${a}`).concat(
  ['gemma', 'gemma2', 'gemma3_text', 'phi3', 'olmo2', 'granite', 'mixtral', 'qwen3_moe', 'smollm3', 'gpt_neox'].map((a) => `archs_extra/${a}`),
);
const NO_TRANSFORMERS_JS = new Set(['mixtral']);
const TOL = 1e-4;

env.allowRemoteModels = false;

/** Logits of TuneKit's own forward (the ORT executor), for ids [B, T] with mask and positions. */
async function tunekitLogits(merged: LoadedModel, executor: OrtExecutor, ids: number[][], mask: number[][], positions: number[][]): Promise<Float32Array> {
  const [b, t] = [ids.length, ids[0].length];
  const input = (name: string) => Tensor.input(name, [b, t], 'i64');
  const { logits } = merged.model.call(input('input_ids'), { attentionMask: input('attention_mask'), positionIds: input('position_ids') });
  const host = (rows: number[][]) => HostTensor.i64([b, t], rows.flat());
  const [out] = await executor.compile([logits]).run({ input_ids: host(ids), attention_mask: host(mask), position_ids: host(positions) });
  return out.toFloat32();
}

/** Positions from..to of every row of logits [B, T, V], as [B, to - from, V]. */
function window(logits: Float32Array, t: number, vocab: number, from: number, to: number): Float32Array {
  const rows = logits.length / (t * vocab);
  const out = new Float32Array(rows * (to - from) * vocab);
  for (let b = 0; b < rows; b++) out.set(logits.subarray((b * t + from) * vocab, (b * t + to) * vocab), b * (to - from) * vocab);
  return out;
}

/**
 * The rows of logits [B, T, V] where `mask` [B, T] is 1, concatenated. A pad query sees no key and
 * attends uniformly to all of them, so its logits depend on how many keys the run has.
 */
function realPositions(logits: Float32Array, mask: number[][], vocab: number): Float32Array {
  const t = mask[0].length;
  const out: number[] = [];
  mask.forEach((row, b) => row.forEach((m, i) => m === 1 && out.push(...logits.subarray((b * t + i) * vocab, (b * t + i + 1) * vocab))));
  return Float32Array.from(out);
}

describe.each(ARCHS)('ONNX export of golden %s', (arch) => {
  let out: string;
  let merged: LoadedModel;
  let decoder: ExportedDecoder;
  const executor = new OrtExecutor({ threads: 1 });
  let ids: number[][];
  let mask: number[][];
  let positions: number[][];

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), `tunekit-onnx-${arch.replace('/', '-')}-`));
    merged = await loadModel(join(GOLDEN, arch, 'model'));
    await exportOnnx(merged, out, { variants: [], q4: { blockSize: 32, accuracyLevel: 0 } });
    decoder = await ExportedDecoder.open(out, 'model.onnx', merged.model.config.layers);
    const forward = await readSafetensors(join(GOLDEN, arch, 'public', 'forward.safetensors'));
    [ids, mask, positions] = ['input_ids', 'attention_mask', 'position_ids'].map((k) => rowsOf(forward.get(k)!));
  });
  afterAll(async () => {
    await decoder?.release();
    await executor.dispose();
    await rm(out, { recursive: true, force: true });
  });

  it('onnxruntime-node runs model.onnx to TuneKit’s logits, left-padded batch of 2, no past', async () => {
    const { kvHeads, headDim } = merged.model.config;
    const want = await tunekitLogits(merged, executor, ids, mask, positions);
    const got = await decoder.run(ids, mask, positions, decoder.emptyPast(2, kvHeads, headDim));
    expect(got.logits.length).toBe(want.length);
    expect(reportGoldenError(`onnx ${arch} logits (no past)`, relativeError(got.logits, want))).toBeLessThanOrEqual(TOL);
  });

  it('with past: a prefill of 8 then 3 and 1 more tokens give the full forward’s logits', async () => {
    const { kvHeads, headDim, vocab } = merged.model.config;
    const t = ids[0].length;
    const want = await tunekitLogits(merged, executor, ids, mask, positions);
    const cut = (rows: number[][], from: number, to: number) => rows.map((r) => r.slice(from, to));
    let past = decoder.emptyPast(2, kvHeads, headDim);
    for (const [from, to] of [[0, 8], [8, 11], [11, 12]]) {
      const step = await decoder.run(cut(ids, from, to), cut(mask, 0, to), cut(positions, from, to), past);
      past = step.present;
      const real = cut(mask, from, to);
      const err = relativeError(realPositions(step.logits, real, vocab), realPositions(window(want, t, vocab, from, to), real, vocab));
      expect(reportGoldenError(`onnx ${arch} logits (past ${from}, ${to - from} new)`, err)).toBeLessThanOrEqual(TOL);
    }
    expect(past['past_key_values.0.key'].dims).toEqual([2, kvHeads, t, headDim]);
  });

  // No test at all where transformers.js lacks the model type (rather than a skipped one).
  const transformersJs = NO_TRANSFORMERS_JS.has(arch.split('/')[1]) ? () => undefined : it;
  transformersJs('transformers.js generates TuneKit’s greedy tokens from the exported folder', async () => {
    const lm = await AutoModelForCausalLM.from_pretrained(out, { local_files_only: true, dtype: 'fp32' });
    try {
      const expected = JSON.parse(await readFile(join(GOLDEN, arch, 'public', 'expected.json'), 'utf8')) as { greedy_single: { input_ids: number[][] } };
      const prompts = [expected.greedy_single.input_ids[0], ids[0].slice(2, 5), ids[0].slice(0, 11)];
      for (const prompt of prompts) {
        const mine = await generate(merged.model, executor, [prompt], { maxNewTokens: 10, eosTokenIds: [], doSample: false });
        const input_ids = new JsTensor('int64', BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
        const theirs = (await lm.generate({ input_ids, max_new_tokens: 10, min_new_tokens: 10, do_sample: false })) as JsTensor;
        const tokens = Array.from(theirs.data as BigInt64Array, Number).slice(prompt.length);
        expect(tokens, `prompt ${prompt}`).toEqual(mine.outputIds[0]);
      }
    } finally {
      await lm.dispose();
    }
  });
});
