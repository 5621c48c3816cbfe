import { describe, expect, it } from 'vitest';
import { createModel, parseModelConfig } from '@tunekit/models';
import { tinyConfigJson } from '@tunekit/models/testing';
import { quantizeModel, quantizeModel8bit } from '@tunekit/qlora';
import { formatBytes, formatSummary, summarizeQuantization } from './quantization-summary.js';

// hidden 64, intermediate 128, 2 layers, 4 heads of 16, 2 kv heads; untied head.
const tiny = () => createModel(parseModelConfig(tinyConfigJson({ arch: 'llama', hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 2, vocab: 300 })));
const fullParameters = () => tiny().parameters().reduce((n, p) => n + p.size, 0);

describe('summarizeQuantization', () => {
  it('counts layers, parameters as in full precision, and storage per quantized weight', () => {
    const model = tiny();
    quantizeModel(model, { quantType: 'nf4', blocksize: 64 });
    const s = summarizeQuantization(model, { before: 400_000, after: 100_000 });
    // 7 Linears per layer; the head is left in f32.
    expect(s).toMatchObject({ format: '4-bit nf4 (blocksize 64)', quantizedLayers: 14, linearLayers: 15, parameters: fullParameters() });
    // Half a byte per code plus one f32 scale per 64 weights.
    expect(s.bytesPerQuantizedWeight).toBe(0.5 + 4 / 64);
    expect(formatSummary(s)).toBe(
      `quantized 14 of 15 linear layers to 4-bit nf4 (blocksize 64), 0.563 bytes per quantized weight; weights 400.00 kB -> 100.00 kB on disk, ${(100_000 / fullParameters()).toFixed(3)} bytes per parameter`,
    );
  });

  it('describes double quant and LLM.int8', () => {
    const dq = tiny();
    quantizeModel(dq, { quantType: 'fp4', blocksize: 128, doubleQuant: true });
    const s = summarizeQuantization(dq, { before: 1, after: 1 });
    expect(s.format).toBe('4-bit fp4 (blocksize 128, double quant)');
    // One u8 code per 128 weights and one f32 per 256 codes: far less than an f32 per block.
    expect(s.bytesPerQuantizedWeight).toBeGreaterThan(0.5 + 1 / 128);
    expect(s.bytesPerQuantizedWeight).toBeLessThan(0.5 + 1 / 128 + 0.001);
    const int8 = tiny();
    quantizeModel8bit(int8);
    const s8 = summarizeQuantization(int8, { before: 1, after: 1 });
    expect(s8).toMatchObject({ format: '8-bit LLM.int8', quantizedLayers: 14, parameters: fullParameters() });
    expect(s8.bytesPerQuantizedWeight).toBeGreaterThan(1);
  });

  it.each([
    [512, '512 bytes'],
    [1_500, '1.50 kB'],
    [270_000_000, '270.00 MB'],
    [13_476_839_424, '13.48 GB'],
  ])('formats %d bytes as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
