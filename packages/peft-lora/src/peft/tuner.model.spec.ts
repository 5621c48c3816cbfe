import { describe, expect, it } from 'vitest';
import { parseLoraConfig } from '../lora/lora.config.js';
import { LoraModel } from '../lora/lora.model.js';
import { logits, maxAbsDiff, randomize, tinyModel } from '../testing/lora.test-support.js';
import { modulesToSaveIn } from './modules-to-save.js';

describe('TunerModel.disableAdapter', () => {
  it('gives each layer and modules_to_save wrapper back the state it had: a nested call leaves the outer one disabled', async () => {
    const model = tinyModel('qwen2');
    const base = await logits(model);
    const l = LoraModel.inject(model, parseLoraConfig({ r: 2, modules_to_save: ['lm_head'] }));
    randomize(model, (n) => n.includes('lora_B') || n.includes('modules_to_save'), 3, 0.2);
    const adapted = await logits(model);
    expect(maxAbsDiff(adapted, base)).toBeGreaterThan(1e-3);
    const [[, head]] = modulesToSaveIn(model);

    // The inner call's restore must not switch the trained head copy back on inside the outer call.
    const nested = await l.disableAdapter(() => {
      l.disableAdapter(() => undefined);
      return logits(model);
    });
    expect(maxAbsDiff(nested, base)).toBe(0);
    expect(head.disabled).toBe(false);
    expect(l.layers().every(([, layer]) => !layer.disabled)).toBe(true);
    expect(maxAbsDiff(await logits(model), adapted)).toBe(0);

    // A wrapper switched off before the call stays off after it.
    head.disabled = true;
    l.disableAdapter(() => undefined);
    expect(head.disabled).toBe(true);
  });
});
