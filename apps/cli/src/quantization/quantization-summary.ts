import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Linear, type Module } from '@tunekit/core';
import { Conv1D } from '@tunekit/models';
import { Linear4bit, Linear8bit } from '@tunekit/qlora';

/** What quantizing did to a model, for the one line `tunekit quantize` prints. */
export interface QuantizationSummary {
  /** e.g. `4-bit nf4 (blocksize 64, double quant)`. */
  readonly format: string;
  readonly quantizedLayers: number;
  /** Quantized plus those left in full precision (the LM head, skipped modules). */
  readonly linearLayers: number;
  /** The model's parameter count as in full precision (a quantized weight counts its elements). */
  readonly parameters: number;
  /** Storage of the quantized layers' codes and scales per weight element. */
  readonly bytesPerQuantizedWeight: number;
  /** Weight files on disk, before and after. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

/** Total size of a folder's safetensors files (what a model's weights take on disk). */
export async function weightFileBytes(dir: string): Promise<number> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.safetensors'));
  const sizes = await Promise.all(names.map(async (n) => (await stat(join(dir, n))).size));
  return sizes.reduce((a, b) => a + b, 0);
}

function describeFormat(layers: readonly (Linear4bit | Linear8bit)[]): string {
  const first = layers[0];
  if (!(first instanceof Linear4bit)) return '8-bit LLM.int8';
  const s = first.quantState;
  return `4-bit ${s.quantType} (blocksize ${s.blocksize}${first.doubleQuant ? ', double quant' : ''})`;
}

export function summarizeQuantization(model: Module, bytes: { before: number; after: number }): QuantizationSummary {
  const modules = [...model.namedModules()].map(([, m]) => m);
  const quantized = modules.filter((m): m is Linear4bit | Linear8bit => m instanceof Linear4bit || m instanceof Linear8bit);
  const inQuantized = new Set(quantized.flatMap((m) => m.parameters()));
  const elements = quantized.reduce((n, m) => n + m.inFeatures * m.outFeatures, 0);
  const unquantized = model.parameters().filter((p) => !inQuantized.has(p)).reduce((n, p) => n + p.size, 0);
  const biases = quantized.reduce((n, m) => n + (m.bias?.size ?? 0), 0);
  return {
    format: describeFormat(quantized),
    quantizedLayers: quantized.length,
    linearLayers: quantized.length + modules.filter((m) => m instanceof Linear || m instanceof Conv1D).length,
    parameters: elements + biases + unquantized,
    bytesPerQuantizedWeight: quantized.reduce((n, m) => n + m.quantizedBytes(), 0) / elements,
    bytesBefore: bytes.before,
    bytesAfter: bytes.after,
  };
}

const UNITS: readonly [number, string][] = [
  [1e9, 'GB'],
  [1e6, 'MB'],
  [1e3, 'kB'],
];

export function formatBytes(n: number): string {
  const [scale, unit] = UNITS.find(([s]) => n >= s) ?? [1, 'bytes'];
  return scale === 1 ? `${n} bytes` : `${(n / scale).toFixed(2)} ${unit}`;
}

export function formatSummary(s: QuantizationSummary): string {
  return (
    `quantized ${s.quantizedLayers} of ${s.linearLayers} linear layers to ${s.format}, ${s.bytesPerQuantizedWeight.toFixed(3)} bytes per quantized weight; ` +
    `weights ${formatBytes(s.bytesBefore)} -> ${formatBytes(s.bytesAfter)} on disk, ${(s.bytesAfter / s.parameters).toFixed(3)} bytes per parameter`
  );
}
