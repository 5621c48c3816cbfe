import { describe, expect, it } from 'vitest';
import { BNB_CONFIG_DEFAULTS, BnbConfigError, parseBnbConfig, toBnbConfigDict } from './bnb.config.js';

describe('parseBnbConfig (transformers BitsAndBytesConfig)', () => {
  it("fills transformers' defaults around the chosen mode", () => {
    expect(parseBnbConfig({ load_in_8bit: true })).toEqual({ ...BNB_CONFIG_DEFAULTS, load_in_8bit: true });
    const c = parseBnbConfig({ load_in_4bit: true, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true, bnb_4bit_compute_dtype: 'bfloat16' });
    expect(c).toMatchObject({ load_in_4bit: true, load_in_8bit: false, bnb_4bit_quant_type: 'nf4', bnb_4bit_use_double_quant: true, bnb_4bit_compute_dtype: 'bfloat16' });
    expect(BNB_CONFIG_DEFAULTS).toMatchObject({ llm_int8_threshold: 6, bnb_4bit_quant_type: 'fp4', bnb_4bit_compute_dtype: 'float32', bnb_4bit_quant_storage: 'uint8', llm_int8_skip_modules: null });
    // None for compute dtype / storage means the default, as in transformers' __init__.
    expect(parseBnbConfig({ load_in_4bit: true, bnb_4bit_compute_dtype: null, bnb_4bit_quant_storage: null })).toMatchObject({ bnb_4bit_compute_dtype: 'float32', bnb_4bit_quant_storage: 'uint8' });
    const skip = ['lm_head', 'mlp'];
    const parsed = parseBnbConfig({ load_in_8bit: true, llm_int8_threshold: 0, llm_int8_skip_modules: skip });
    expect(parsed).toMatchObject({ llm_int8_threshold: 0, llm_int8_skip_modules: ['lm_head', 'mlp'] });
    expect(parsed.llm_int8_skip_modules).not.toBe(skip);
  });

  it('writes to_dict() for load_in_8bit key for key, and reads it back', () => {
    const c = parseBnbConfig({ load_in_8bit: true, llm_int8_skip_modules: ['lm_head'] });
    const dict = toBnbConfigDict(c);
    // BitsAndBytesConfig(load_in_8bit=True, llm_int8_skip_modules=["lm_head"]).to_dict(), in __dict__ order.
    expect(Object.entries(dict)).toEqual([
      ['quant_method', 'bitsandbytes'],
      ['_load_in_8bit', true],
      ['_load_in_4bit', false],
      ['llm_int8_threshold', 6],
      ['llm_int8_skip_modules', ['lm_head']],
      ['llm_int8_enable_fp32_cpu_offload', false],
      ['llm_int8_has_fp16_weight', false],
      ['bnb_4bit_quant_type', 'fp4'],
      ['bnb_4bit_use_double_quant', false],
      ['bnb_4bit_compute_dtype', 'float32'],
      ['bnb_4bit_quant_storage', 'uint8'],
      ['load_in_4bit', false],
      ['load_in_8bit', true],
    ]);
    expect(parseBnbConfig(dict)).toEqual(c);
    // A dict with only the private flags (older writers) still says which mode.
    expect(parseBnbConfig({ quant_method: 'bitsandbytes', _load_in_4bit: true }).load_in_4bit).toBe(true);
  });

  const errors: [string, Record<string, unknown>, string][] = [
    ['both modes', { load_in_4bit: true, load_in_8bit: true }, 'load_in_4bit and load_in_8bit are both true, but only one can be used at the same time'],
    ['no mode', { llm_int8_threshold: 6 }, 'set load_in_4bit (NF4/FP4, QLoRA) or load_in_8bit (LLM.int8) to true'],
    ['a typo', { load_in_8bits: true }, 'unknown option "load_in_8bits" (did you mean "load_in_8bit"?)'],
    ['a typo in a 4-bit key', { load_in_4bit: true, bnb_4bit_quant_typ: 'nf4' }, 'unknown option "bnb_4bit_quant_typ" (did you mean "bnb_4bit_quant_type"?)'],
    ['an unrelated key', { load_in_8bit: true, learning_rate: 1e-4 }, 'unknown option "learning_rate"'],
    ['a string flag', { load_in_8bit: 'true' }, 'load_in_8bit: expected true or false, got "true"'],
    ['a negative threshold', { load_in_8bit: true, llm_int8_threshold: -1 }, 'llm_int8_threshold: expected a finite number >= 0, got -1'],
    ['a string threshold', { load_in_8bit: true, llm_int8_threshold: '6.0' }, 'llm_int8_threshold: expected a finite number >= 0, got "6.0"'],
    ['a string skip list', { load_in_8bit: true, llm_int8_skip_modules: 'lm_head' }, 'llm_int8_skip_modules: expected a list of module names, got "lm_head"'],
    ['an unknown quant type', { load_in_4bit: true, bnb_4bit_quant_type: 'int4' }, 'bnb_4bit_quant_type: expected "nf4" or "fp4", got "int4"'],
    ['a torch-prefixed compute dtype', { load_in_4bit: true, bnb_4bit_compute_dtype: 'torch.bfloat16' }, 'bnb_4bit_compute_dtype: expected "float32", "float16" or "bfloat16"'],
    ['a non-byte 4-bit storage', { load_in_4bit: true, bnb_4bit_quant_storage: 'bfloat16' }, 'bnb_4bit_quant_storage: expected "uint8" (TuneKit packs 4-bit codes two per byte'],
    ['a null flag', { load_in_8bit: true, bnb_4bit_use_double_quant: null }, 'bnb_4bit_use_double_quant: expected true or false, got null'],
    ['16-bit main weights', { load_in_8bit: true, llm_int8_has_fp16_weight: true }, 'llm_int8_has_fp16_weight: true keeps trainable 16-bit main weights, which TuneKit does not implement'],
    ['another quant method', { quant_method: 'gptq', load_in_4bit: true }, 'quant_method: expected "bitsandbytes", got "gptq"'],
    ['contradicting flags', { _load_in_8bit: false, load_in_8bit: true }, '_load_in_8bit (false) contradicts load_in_8bit (true)'],
  ];
  for (const [what, raw, message] of errors) {
    it(`rejects ${what}`, () => {
      let err: unknown;
      try {
        parseBnbConfig(raw, 'my.json quantization_config');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BnbConfigError);
      expect((err as Error).message).toContain(`my.json quantization_config: ${message}`);
    });
  }

  it('accepts 16-bit main weights in a 4-bit config, where the option does nothing', () => {
    expect(parseBnbConfig({ load_in_4bit: true, llm_int8_has_fp16_weight: true }).llm_int8_has_fp16_weight).toBe(true);
  });

  it("takes a newer transformers' field from a checkpoint's quantization_config while off, writes it back, and refuses it when set", () => {
    const stored = { ...toBnbConfigDict(parseBnbConfig({ load_in_4bit: true })), bnb_4bit_future_option: null };
    const parsed = parseBnbConfig(stored, 'config.json: quantization_config', { fromFile: true });
    expect(toBnbConfigDict(parsed)).toEqual(stored);
    expect(() => parseBnbConfig({ ...stored, bnb_4bit_future_option: 'on' }, 'config.json: quantization_config', { fromFile: true })).toThrow(
      'config.json: quantization_config: bnb_4bit_future_option: "on" is set, and TuneKit does not know this transformers field',
    );
    // What a user writes stays strict.
    expect(() => parseBnbConfig({ load_in_4bit: true, bnb_4bit_future_option: null })).toThrow('unknown option "bnb_4bit_future_option"');
  });

  it('carries each bad key path on the error, for the CLI to point at its line', () => {
    const error = (() => {
      try {
        parseBnbConfig({ load_in_4bit: 'yes', bnb_4bit_quant_type: 'int4' });
      } catch (e) {
        return e as BnbConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.path)).toEqual([['load_in_4bit'], ['bnb_4bit_quant_type']]);
  });
});
