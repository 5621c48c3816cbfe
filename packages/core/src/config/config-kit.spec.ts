import { describe, expect, it } from 'vitest';
import { ConfigFieldError } from './config-field-error.js';
import { didYouMean } from './did-you-mean.js';
import { checks, describeValue, rule } from './field-checks.js';
import { type FieldTable, checkFields, checksOf, defaultsOf, withDefaults } from './field-table.js';
import { type ForeignFieldRule, neutral } from './foreign-fields.js';

interface Demo {
  r: number;
  alpha: number;
  dropout: number;
  bias: 'none' | 'all';
  targets: string[] | null;
}

const TABLE: FieldTable<Demo> = {
  r: { check: checks.positiveInt, default: 8 },
  alpha: { check: checks.number, default: 16 },
  dropout: { check: checks.range({ min: 0, below: 1 }), default: 0 },
  bias: { check: checks.oneOf(['none', 'all']), default: 'none' },
  targets: { check: checks.nullable(checks.stringList), default: null },
};

const FOREIGN: ForeignFieldRule = {
  library: 'PEFT',
  fields: {
    use_bdlora: { neutral: neutral.off, feature: 'block-diagonal LoRA' },
    peft_version: { neutral: neutral.anyValue, feature: 'metadata' },
    qalora_group_size: { neutral: neutral.readOnlyWith('use_qalora', 16), feature: 'QALoRA pooling' },
  },
};

const problemsOf = (raw: Record<string, unknown>, opts = {}) => checkFields(raw, checksOf(TABLE), opts).problems;

describe('the config kit', () => {
  it('fills defaults from the table', () => {
    expect(defaultsOf(TABLE)).toEqual({ r: 8, alpha: 16, dropout: 0, bias: 'none', targets: null });
    expect(withDefaults(defaultsOf(TABLE), { r: 4, targets: null, other: 1 })).toEqual({ r: 4, alpha: 16, dropout: 0, bias: 'none', targets: null });
  });

  it('checks types and ranges, naming each key path and the value it got', () => {
    expect(problemsOf({ r: 0, alpha: 'x', dropout: 1, bias: 'some', targets: [1] }, { at: ['lora'] })).toEqual([
      { path: ['lora', 'r'], detail: 'expected a positive integer, got 0' },
      { path: ['lora', 'alpha'], detail: 'expected a finite number, got "x"' },
      { path: ['lora', 'dropout'], detail: 'expected a number >= 0 and < 1, got 1' },
      { path: ['lora', 'bias'], detail: 'expected one of none|all, got "some"' },
      { path: ['lora', 'targets'], detail: 'expected a list of strings, got [1]' },
    ]);
    expect(problemsOf({ r: 4, alpha: 0.5, dropout: 0.1, bias: 'all', targets: ['q_proj'] })).toEqual([]);
    expect(checks.range({ integer: true, min: 1, max: 4 })(5)).toBe('an integer >= 1 and <= 4');
    expect(checks.range({ integer: true, min: 1 })(2.5)).toBe('an integer >= 1');
    expect(checks.range({ above: 0 })(Number.NaN)).toBe('a number > 0');
    expect(describeValue(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });

  it('treats null as unset unless asked to check it, and phrases bad values as the parser says', () => {
    expect(problemsOf({ r: null })).toEqual([]);
    expect(problemsOf({ r: null }, { checkNull: true })).toEqual([{ path: ['r'], detail: 'expected a positive integer, got null' }]);
    const phrased = checkFields({ n: -1 }, { n: rule((v) => (v as number) >= 0, 'a number >= 0') }, { badValue: (e, v) => `must be ${e}, got ${String(v)}` });
    expect(phrased.problems).toEqual([{ path: ['n'], detail: 'must be a number >= 0, got -1' }]);
  });

  it('rejects unknown keys with one did-you-mean, or the list of known keys', () => {
    expect(problemsOf({ alhpa: 4 }, { at: ['lora'] })).toEqual([{ path: ['lora', 'alhpa'], detail: 'unknown key (did you mean "alpha"?)', unknown: { hint: 'alpha' } }]);
    expect(problemsOf({ zzz: 4 })).toEqual([{ path: ['zzz'], detail: 'unknown key; expected one of r, alpha, dropout, bias, targets', unknown: { hint: null } }]);
    expect(problemsOf({ peft_type: 'LORA' }, { alsoKnown: ['peft_type'] })).toEqual([]);
    expect(didYouMean('lerning_rate', ['learning_rate'], "'")).toBe(" (did you mean 'learning_rate'?)");
    expect(didYouMean('batch', ['learning_rate'])).toBe('');
  });

  it('accepts a foreign field at its neutral value and keeps it; refuses one that changes the math, naming it', () => {
    const neutralFile = { r: 4, use_bdlora: false, peft_version: '0.21.0', qalora_group_size: 32, use_qalora: false };
    const accepted = checkFields(neutralFile, checksOf(TABLE), { foreign: FOREIGN, alsoKnown: ['use_qalora'] });
    expect(accepted.problems).toEqual([]);
    expect(accepted.foreign).toEqual({ use_bdlora: false, peft_version: '0.21.0', qalora_group_size: 32 });
    const on = checkFields({ use_bdlora: { blocks: 2 } }, checksOf(TABLE), { foreign: FOREIGN }).problems;
    expect(on).toEqual([{ path: ['use_bdlora'], detail: '{"blocks":2} turns on block-diagonal LoRA, which TuneKit does not implement; only PEFT\'s default (off) can be loaded' }]);
    // A field read only when another is on is neutral while that one is off, whatever it holds.
    expect(checkFields({ use_qalora: true, qalora_group_size: 32 }, {}, { foreign: FOREIGN, alsoKnown: ['use_qalora'] }).problems[0].path).toEqual(['qalora_group_size']);
    // A key in neither table that looks like a typo of a known one is reported as unknown, with a did-you-mean over both.
    expect(checkFields({ use_bdlor: false }, checksOf(TABLE), { foreign: FOREIGN }).problems[0].detail).toBe('unknown key (did you mean "use_bdlora"?)');
    // Any other key in neither table (a newer library's field) is kept when off and refused when set.
    const newer = checkFields({ some_future_feature: null, other_future_flag: false }, checksOf(TABLE), { foreign: FOREIGN });
    expect(newer).toEqual({ problems: [], foreign: { some_future_feature: null, other_future_flag: false } });
    expect(checkFields({ some_future_feature: { k: 2 } }, checksOf(TABLE), { foreign: FOREIGN }).problems).toEqual([
      { path: ['some_future_feature'], detail: '{"k":2} is set, and TuneKit does not know this PEFT field, so cannot tell whether it changes the math; only its off value (null, false or empty) can be loaded' },
    ]);
  });

  it('carries the key paths on one error type, with one line per problem', () => {
    const { problems } = checkFields({ r: 0, bias: 'x' }, checksOf(TABLE), { at: ['lora'] });
    const error = new ConfigFieldError('run config', problems);
    expect(error).toBeInstanceOf(Error);
    expect(error.path).toEqual(['lora', 'r']);
    expect(error.detail).toBe('expected a positive integer, got 0');
    expect(error.message).toBe('run config: lora.r: expected a positive integer, got 0\nrun config: lora.bias: expected one of none|all, got "x"');
    expect(new ConfigFieldError('x', problems, 'phrased by the parser').message).toBe('phrased by the parser');
    expect(() => new ConfigFieldError('x', [])).toThrow('at least one problem');
  });
});
