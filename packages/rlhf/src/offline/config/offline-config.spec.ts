import { describe, expect, it } from 'vitest';
import { parseCpoConfig } from './cpo.config.js';
import { parseDpoConfig } from './dpo.config.js';
import { parseKtoConfig } from './kto.config.js';
import { parseOrpoConfig } from './orpo.config.js';

describe('offline task sections (TRL 1.9 names and defaults)', () => {
  it('fills TRL\'s defaults', () => {
    expect(parseDpoConfig({})).toMatchObject({ beta: 0.1, label_smoothing: 0, loss_type: ['sigmoid'], loss_weights: null, use_weighting: false, max_length: 1024, precompute_ref_log_probs: false, ref_model: null, disable_dropout: true });
    expect(parseCpoConfig({})).toMatchObject({ beta: 0.1, loss_type: 'sigmoid', cpo_alpha: 1, simpo_gamma: 0.5, alpha: 0 });
    expect(parseOrpoConfig({})).toMatchObject({ beta: 0.1, max_length: 1024 });
    expect(parseKtoConfig({})).toMatchObject({ beta: 0.1, loss_type: 'kto', desirable_weight: 1, undesirable_weight: 1 });
  });

  it('takes loss_type as a string or a list, and alphapo as simpo without the NLL term', () => {
    expect(parseDpoConfig({ loss_type: 'ipo' }).loss_type).toEqual(['ipo']);
    expect(parseDpoConfig({ loss_type: ['sigmoid', 'sft'], loss_weights: [1, 0.2] }).loss_weights).toEqual([1, 0.2]);
    expect(parseCpoConfig({ loss_type: 'alphapo', alpha: 0.2 })).toMatchObject({ loss_type: 'simpo', cpo_alpha: 0, alpha: 0.2 });
  });

  it('names the field of every error: unknown keys with a did-you-mean, bad values, rules between fields', () => {
    expect(() => parseDpoConfig({ bta: 0.2 })).toThrow('dpo.bta: unknown key (did you mean "beta"?)');
    expect(() => parseKtoConfig({ desirable_weigth: 2 })).toThrow('kto.desirable_weigth: unknown key (did you mean "desirable_weight"?)');
    expect(() => parseDpoConfig({ loss_type: ['sigmoid', 'discopop'] })).toThrow(/dpo\.loss_type: expected one of sigmoid\|hinge/);
    expect(() => parseDpoConfig({ beta: 0 })).toThrow('dpo.beta: expected');
    expect(() => parseDpoConfig({ loss_type: ['sigmoid', 'sft'], loss_weights: [1] })).toThrow('dpo.loss_weights: 1 weights for 2 loss types');
    expect(() => parseDpoConfig({ loss_type: 'exo_pair' })).toThrow('dpo.label_smoothing: exo_pair needs label_smoothing > 0');
    expect(() => parseDpoConfig({ loss_type: 'aot', use_weighting: true })).toThrow('dpo.use_weighting: WPO weights are per pair');
    // TRL options TuneKit lacks are refused by name rather than ignored.
    expect(() => parseDpoConfig({ f_divergence_type: 'js_divergence' })).toThrow(/dpo\.f_divergence_type: expected "reverse_kl" \(TuneKit has only the reverse KL/);
    expect(() => parseDpoConfig({ ld_alpha: 0.5 })).toThrow('dpo.ld_alpha');
    expect(() => parseCpoConfig({ loss_type: 'robust' })).toThrow('cpo.loss_type: expected one of sigmoid|hinge|ipo|simpo|alphapo');
  });
});
