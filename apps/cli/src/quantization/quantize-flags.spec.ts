import { describe, expect, it } from 'vitest';
import { BNB_CONFIG_DEFAULTS } from '@tunekit/qlora';
import { UsageError } from '../cli-error.js';
import { quantizeFlags } from './quantize-flags.js';

describe('--quantize / --double-quant', () => {
  it('name a BitsAndBytesConfig, with transformers defaults for the rest', () => {
    expect(quantizeFlags({})).toBeNull();
    expect(quantizeFlags({ quantize: 'nf4', 'double-quant': true })).toEqual({
      ...BNB_CONFIG_DEFAULTS,
      load_in_4bit: true,
      bnb_4bit_quant_type: 'nf4',
      bnb_4bit_use_double_quant: true,
    });
    expect(quantizeFlags({ quantize: 'fp4' })).toMatchObject({ load_in_4bit: true, bnb_4bit_quant_type: 'fp4', bnb_4bit_use_double_quant: false });
    expect(quantizeFlags({ quantize: 'int8' })).toMatchObject({ load_in_8bit: true, load_in_4bit: false });
  });

  it.each([
    [{ quantize: 'int4' }, '--quantize must be one of nf4, fp4, int8, got "int4"'],
    [{ quantize: 'int8', 'double-quant': true }, '--double-quant applies to 4-bit formats (nf4, fp4), not int8'],
    [{ 'double-quant': true }, '--double-quant needs --quantize nf4 or --quantize fp4'],
  ])('refuses %o as a usage error (exit code 2)', (values, message) => {
    const call = () => quantizeFlags(values);
    expect(call).toThrow(UsageError);
    expect(call).toThrow(message);
  });
});
