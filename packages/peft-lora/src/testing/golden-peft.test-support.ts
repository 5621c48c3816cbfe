import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HostTensor, OrtExecutor, SafetensorsFile, readSafetensors } from '@tunekit/core';
import { relativeError, reportGoldenError, rowsOf } from '@tunekit/core/testing';
import { type LoadedModel, generate, loadModel } from '@tunekit/models';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IA3_METHOD } from '../ia3/ia3.method.js';
import { LORA_METHOD } from '../lora/lora.method.js';
import type { AdapterHandle, PeftMethod } from '../peft/peft-method.interface.js';
import { forwardLogits, tempDir } from './causal-lm.test-support.js';
import { PREFIX_TUNING_METHOD } from '../prefix-tuning/prefix-tuning.method.js';
import { PROMPT_TUNING_METHOD } from '../prompt-tuning/prompt-tuning.method.js';

/**
 * Python PEFT 0.21's side of the adapter exchange (`shared/fixtures/golden-peft`, see its README):
 * adapters PEFT saved and adapters TuneKit saved, each with the logits and greedy tokens PEFT
 * computed with it on the same base model.
 */
export const GOLDEN_PEFT = new URL('../../../../../shared/fixtures/golden-peft/', import.meta.url).pathname;
export const GOLDEN_BASE = join(GOLDEN_PEFT, 'base');

/** The adapters in both `peft-saved/` and `tunekit-saved/`. */
export const GOLDEN_ADAPTERS = ['lora', 'lora_rslora_qv', 'dora', 'ia3', 'prefix', 'prefix_projection', 'prompt', 'prompt_text'] as const;
export type GoldenAdapter = (typeof GOLDEN_ADAPTERS)[number];

/** Where an adapter's own files are: PEFT's save_pretrained output is one folder deeper. */
export const adapterDir = (side: 'peft-saved' | 'tunekit-saved', name: GoldenAdapter): string =>
  side === 'peft-saved' ? join(GOLDEN_PEFT, side, name, 'adapter') : join(GOLDEN_PEFT, side, name);

export interface GoldenOutputs {
  /** [2, 39] chat prompts. */
  readonly inputIds: HostTensor;
  /** PEFT's logits: [2, 39, V], or [2, 39 + n, V] for prompt tuning (virtual tokens first). */
  readonly logits: HostTensor;
  /** The first prompt alone, and it followed by PEFT's 8 greedy tokens (no eos). */
  readonly promptIds: number[];
  readonly greedyOutputIds: number[];
}

export async function goldenOutputs(side: 'peft-saved' | 'tunekit-saved', name: GoldenAdapter): Promise<GoldenOutputs> {
  const dir = join(GOLDEN_PEFT, side, name);
  const forward = await readSafetensors(join(dir, 'forward.safetensors'));
  const expected = readJson<{ prompt_ids: number[]; greedy_output_ids: number[][] }>(join(dir, 'expected.json'));
  return { inputIds: forward.get('input_ids')!, logits: forward.get('logits')!, promptIds: expected.prompt_ids, greedyOutputIds: expected.greedy_output_ids[0] };
}

export function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The last `positions` of logits [B, T, V], per row, concatenated (prompt tuning: the real tokens). */
export function lastPositions(logits: HostTensor, positions: number): Float32Array {
  const [b, t, v] = logits.shape;
  const data = logits.toFloat32();
  const out = new Float32Array(b * positions * v);
  for (let i = 0; i < b; i++) out.set(data.subarray((i * t + t - positions) * v, (i + 1) * t * v), i * positions * v);
  return out;
}

export const loadGoldenBase = (): Promise<LoadedModel> => loadModel(GOLDEN_BASE);

const METHODS: readonly PeftMethod[] = [LORA_METHOD, IA3_METHOD, PREFIX_TUNING_METHOD, PROMPT_TUNING_METHOD] as PeftMethod[];

/** Loads a saved adapter through the method plugin its adapter_config.json names, as the CLI does. */
export function loadGoldenAdapter(model: LoadedModel['model'], dir: string, opts: { trainable?: boolean } = {}): Promise<AdapterHandle> {
  const config = readJson<Record<string, unknown>>(join(dir, 'adapter_config.json'));
  const method = METHODS.find((m) => m.recognises(config));
  if (!method) throw new Error(`${dir}: no method recognises peft_type ${JSON.stringify(config.peft_type)}`);
  return method.load(model, dir, opts);
}

/** Tensor names and shapes of an adapter's safetensors file, sorted by name. */
export async function tensorLayout(dir: string): Promise<[string, number[]][]> {
  const st = await SafetensorsFile.open(join(dir, 'adapter_model.safetensors'));
  try {
    return st.names().sort().map((n) => [n, [...st.info(n).shape]]);
  } finally {
    await st.close();
  }
}

/** Saves `handle` again and returns what to compare with the folder it came from: tensor layouts and config JSON. */
export async function resaved(handle: AdapterHandle, from: string, name: string) {
  const again = join(await tempDir('golden-resave'), name);
  await handle.save(again);
  return {
    layout: { got: await tensorLayout(again), want: await tensorLayout(from) },
    config: { got: readJson(join(again, 'adapter_config.json')), want: readJson(join(from, 'adapter_config.json')) },
  };
}

/** Largest relative error allowed against PEFT's outputs. */
export const GOLDEN_PEFT_TOLERANCE = 1e-4;

export interface GoldenAdapterContext {
  readonly base: LoadedModel;
  readonly executor: OrtExecutor;
  readonly handle: AdapterHandle;
}

/**
 * Registers the checks every golden adapter gets, on a fresh golden base: it loads through its
 * method plugin, gives PEFT's logits (prompt tuning: at the real tokens) and greedy tokens with
 * the KV cache, and saves again with the same tensor layout and config fields. `more` adds checks.
 */
export function goldenAdapterSuite(side: 'peft-saved' | 'tunekit-saved', name: GoldenAdapter, more?: (ctx: () => GoldenAdapterContext) => void): void {
  const dir = adapterDir(side, name);
  describe(`golden PEFT 0.21: ${side}/${name}`, () => {
    let ctx: GoldenAdapterContext;
    let golden: GoldenOutputs;
    beforeAll(async () => {
      const base = await loadGoldenBase();
      // The caller's executor: loading a model makes none.
      ctx = { base, executor: new OrtExecutor(), handle: await loadGoldenAdapter(base.model, dir) };
      golden = await goldenOutputs(side, name);
    });
    afterAll(() => ctx.executor.dispose());

    it("loads on the base and gives PEFT's logits", async () => {
      const real = golden.inputIds.shape[1];
      const got = await forwardLogits(ctx.base.model, ctx.executor, rowsOf(golden.inputIds));
      const err = relativeError(lastPositions(got, real), lastPositions(golden.logits, real));
      expect(reportGoldenError(`${side}/${name} logits`, err)).toBeLessThanOrEqual(GOLDEN_PEFT_TOLERANCE);
    });

    it("generates PEFT's 8 greedy tokens with the KV cache", async () => {
      const result = await generate(ctx.base.model, ctx.executor, [golden.promptIds], { maxNewTokens: 8, eosTokenIds: [] });
      expect(result.sequences[0]).toEqual(golden.greedyOutputIds);
    });

    it('saves again with the same tensor names and shapes and every config field', async () => {
      const { layout, config } = await resaved(ctx.handle, dir, name);
      expect(layout.got).toEqual(layout.want);
      expect(config.got).toEqual(config.want);
    });

    more?.(() => ctx);
  });
}
