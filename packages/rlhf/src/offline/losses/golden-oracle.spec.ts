import { type HostTensor, OrtExecutor, Tensor, readSafetensors } from '@tunekit/core';
import { relativeError } from '@tunekit/core/testing';
import { type CausalLM, loadModel } from '@tunekit/models';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanNll, rowsOf, sequenceLogps } from '../../common/sequence-logps.js';
import { type PairRows, dpoOracle, simpoOracle } from '../../testing/loss-oracle.test-support.js';
import { cpoLoss } from './cpo.losses.js';
import { dpoLoss } from './dpo.losses.js';

// transformers' own logits for a random Llama (shared/fixtures/golden-transformers/archs/llama):
// the oracle scores the pair from them in plain float64 arithmetic; TuneKit runs the same model.
const LLAMA = fileURLToPath(new URL('../../../../../../shared/fixtures/golden-transformers/archs/llama/', import.meta.url));
const COMPLETION_FROM = 6; // the last 6 of 12 tokens are the completion; row 1's 3 left pads lie before them

/** Σ_{t ≥ from} log softmax(logits[t − 1])[ids[t]] per row, in float64. */
function oracleLogps(logits: Float32Array, ids: number[][], vocab: number): number[] {
  const t = ids[0].length;
  return ids.map((row, b) => {
    let sum = 0;
    for (let i = COMPLETION_FROM; i < t; i++) {
      const z = logits.subarray((b * t + i - 1) * vocab, (b * t + i) * vocab);
      const max = Math.max(...z);
      const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
      sum += z[row[i]] - lse;
    }
    return sum;
  });
}

describe('preference losses over a real tiny model (transformers\' golden Llama)', () => {
  const executor = new OrtExecutor({ threads: 1 });
  afterAll(() => executor.dispose());
  let fixture: Map<string, HostTensor>;
  let model: CausalLM;
  let rows: PairRows;

  beforeAll(async () => {
    fixture = await readSafetensors(join(LLAMA, 'public/forward.safetensors'));
    model = (await loadModel(join(LLAMA, 'model'))).model;
    const ids = fixture.get('input_ids')!;
    const width = ids.shape[1];
    const idRows = [0, 1].map((b) => Array.from(ids.data as BigInt64Array).slice(b * width, (b + 1) * width).map(Number));
    const [chosen, rejected] = oracleLogps(fixture.get('logits')!.toFloat32(), idRows, fixture.get('logits')!.shape[2]);
    // Hand-made reference log-probs on either side of the policy's, so the margins are not trivial.
    rows = { chosen: [chosen], rejected: [rejected], refChosen: [chosen - 1.9], refRejected: [rejected + 0.6], chosenTokens: [width - COMPLETION_FROM], rejectedTokens: [width - COMPLETION_FROM] };
  });

  /** The pair's sequence log-probs as TuneKit computes them from its own forward of the model. */
  async function tunekitLoss(loss: (l: ReturnType<typeof sequenceLogps>) => Tensor): Promise<number> {
    const feed = (name: string) => Tensor.input(name, fixture.get(name)!.shape, fixture.get(name)!.dtype);
    const ids = feed('input_ids');
    const { logits } = model.forward(ids, { attentionMask: feed('attention_mask'), positionIds: feed('position_ids') });
    const width = ids.dim(1);
    const completion = Tensor.fromValues([2, width], [0, 1].flatMap(() => Array.from({ length: width }, (_, i) => Number(i >= COMPLETION_FROM))));
    const feeds = Object.fromEntries(['input_ids', 'attention_mask', 'position_ids'].map((k) => [k, fixture.get(k)!]));
    const [out] = await executor.compile([loss(sequenceLogps(logits, ids, completion))]).run(feeds);
    return out.toFloat32()[0];
  }

  const pair = (s: ReturnType<typeof sequenceLogps>) => ({
    chosen: rowsOf(s.logps, 0, 1),
    rejected: rowsOf(s.logps, 1, 1),
    refChosen: Tensor.fromValues([1], rows.refChosen),
    refRejected: Tensor.fromValues([1], rows.refRejected),
    chosenTokens: rowsOf(s.tokens, 0, 1),
    rejectedTokens: rowsOf(s.tokens, 1, 1),
    chosenNll: meanNll(s, 0, 1),
  });

  it.each([
    ['sigmoid', 0.1],
    ['ipo', 0.1],
    ['sigmoid', 0.5],
  ] as const)('dpo %s (β %s) from TuneKit\'s forward equals the float64 oracle over transformers\' logits', async (type, beta) => {
    const got = await tunekitLoss((s) => dpoLoss(pair(s), { lossType: [type], beta, labelSmoothing: 0 }));
    const want = dpoOracle(rows, beta, 0)[type];
    const err = relativeError([got], [want]);
    console.log(`golden llama dpo ${type} β=${beta}: TuneKit ${got}, oracle ${want}, relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });

  it('simpo (CPO, γ 0.5, β 2) from TuneKit\'s forward equals the float64 oracle', async () => {
    const o = { lossType: 'simpo' as const, beta: 2, labelSmoothing: 0, cpoAlpha: 0, simpoGamma: 0.5, alpha: 0 };
    const got = await tunekitLoss((s) => cpoLoss(pair(s), o).loss);
    const want = simpoOracle(rows, 2, 0.5, 0);
    const err = relativeError([got], [want]);
    console.log(`golden llama simpo: TuneKit ${got}, oracle ${want}, relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
  });
});
