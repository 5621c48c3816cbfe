import { type HostTensor, OrtExecutor, SafetensorsFile, Tensor, readSafetensors } from '@tunekit/core';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../loading/load-model.js';
import { loadSequenceClassifier } from '../loading/load-sequence-classifier.js';
import { GOLDEN_ROOT, relativeError, reportGoldenError } from '../testing/golden.test-support.js';
import type { SequenceClassificationModel } from './sequence-classification.model.js';

const DIR = join(GOLDEN_ROOT, 'seq_cls', 'llama');

describe('LlamaForSequenceClassification (num_labels 1) against transformers', () => {
  const ort = new OrtExecutor();
  let model: SequenceClassificationModel;
  let forward: Map<string, HostTensor>;
  beforeAll(async () => {
    model = await loadSequenceClassifier(join(DIR, 'model'));
    forward = await readSafetensors(join(DIR, 'forward.safetensors'));
  });
  afterAll(() => ort.dispose());

  /** Scores of the batch stored under `side`, fed with the named inputs that side has. */
  async function scores(side: 'left' | 'right', names: readonly string[]): Promise<HostTensor> {
    const feeds = Object.fromEntries(names.map((n) => [n, forward.get(`${n}_${side}`)!]));
    const input = (n: string) => (feeds[n] ? Tensor.input(n, feeds[n].shape, feeds[n].dtype) : undefined);
    const out = model.call(input('input_ids')!, { attentionMask: input('attention_mask'), positionIds: input('position_ids') });
    return (await ort.compile([out]).run(feeds))[0];
  }

  it('has the checkpoint names: the backbone under model.*, the head as score.weight [1, hidden]', async () => {
    const file = await SafetensorsFile.open(join(DIR, 'model', 'model.safetensors'));
    expect(model.namedParameters().map(([n]) => n).sort()).toEqual(file.names().sort());
    await file.close();
    expect(model.numLabels).toBe(1);
    expect(model.score.weight.shape).toEqual([1, model.config.hidden]);
  });

  it('scores a left-padded batch (mask and explicit positions) at each row’s last token', async () => {
    const got = await scores('left', ['input_ids', 'attention_mask', 'position_ids']);
    const want = forward.get('scores_left')!;
    expect(got.shape).toEqual(want.shape);
    expect(reportGoldenError('seq_cls left', relativeError(got.toFloat32(), want.toFloat32()))).toBeLessThanOrEqual(1e-4);
  });

  it('scores a right-padded batch (mask, default positions) at each row’s last non-pad token', async () => {
    const got = await scores('right', ['input_ids', 'attention_mask']);
    const want = forward.get('scores_right')!;
    expect(got.shape).toEqual(want.shape);
    expect(reportGoldenError('seq_cls right', relativeError(got.toFloat32(), want.toFloat32()))).toBeLessThanOrEqual(1e-4);
  });

  it('each loader refuses the other head, naming the architectures field', async () => {
    await expect(loadModel(join(DIR, 'model'))).rejects.toThrow(/architectures.*LlamaForSequenceClassification is a sequence-classification model: load it with loadSequenceClassifier/);
    await expect(loadSequenceClassifier(join(GOLDEN_ROOT, 'archs', 'llama', 'model'))).rejects.toThrow(/architectures.*LlamaForCausalLM is a causal-lm model: load it with loadModel/);
  });
});
