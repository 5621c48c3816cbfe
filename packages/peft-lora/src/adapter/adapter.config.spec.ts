import { describe, expect, it } from 'vitest';
import { BOTTLENECK_DEFAULTS, bottleneckWidth, parseBottleneckConfig } from './adapter.config.js';

describe('bottleneck adapter config', () => {
  it('fills the defaults: pfeiffer, reduction_factor 16, relu, residual, no layer norm', () => {
    expect(parseBottleneckConfig({})).toEqual({ ...BOTTLENECK_DEFAULTS, reduction_factor: 16 });
    expect(BOTTLENECK_DEFAULTS).toMatchObject({ config: 'pfeiffer', non_linearity: 'relu', layer_norm: false, residual: true });
    expect(parseBottleneckConfig({ bottleneck_size: 8 })).toMatchObject({ bottleneck_size: 8, reduction_factor: null });
    expect(parseBottleneckConfig({ config: 'houlsby', reduction_factor: 4, non_linearity: 'silu', layer_norm: true, residual: false })).toMatchObject({ config: 'houlsby', reduction_factor: 4, non_linearity: 'silu', layer_norm: true, residual: false });
  });

  it('rejects unknown keys with a did-you-mean and bad values naming the key', () => {
    expect(() => parseBottleneckConfig({ reduction_factr: 8 })).toThrow('adapter config: unknown option "reduction_factr" (did you mean "reduction_factor"?)');
    expect(() => parseBottleneckConfig({ config: 'parallel' })).toThrow('adapter config: config: expected one of houlsby|pfeiffer, got "parallel"');
    expect(() => parseBottleneckConfig({ non_linearity: 'tanh' })).toThrow('adapter config: non_linearity: expected relu|gelu|silu, got "tanh"');
    expect(() => parseBottleneckConfig({ reduction_factor: 0 })).toThrow('adapter config: reduction_factor: expected a positive number, got 0');
    expect(() => parseBottleneckConfig({ bottleneck_size: 2.5 })).toThrow('adapter config: bottleneck_size: expected a positive integer, got 2.5');
    expect(() => parseBottleneckConfig({ layer_norm: 'yes' })).toThrow('adapter config: layer_norm: expected true or false, got "yes"');
    expect(() => parseBottleneckConfig({ layers_to_transform: [0, -1] })).toThrow('adapter config: layers_to_transform: expected a list of layer indices');
    expect(() => parseBottleneckConfig({ format_version: 1 })).toThrow('unknown option "format_version"');
  });

  it('takes exactly one of reduction_factor and bottleneck_size', () => {
    expect(() => parseBottleneckConfig({ reduction_factor: 8, bottleneck_size: 4 })).toThrow('adapter config: bottleneck_size: give reduction_factor or bottleneck_size, not both (got 8 and 4)');
    expect(() => parseBottleneckConfig({ reduction_factor: 8, bottleneck_size: null })).not.toThrow();
  });

  it('sizes the bottleneck from the hidden size', () => {
    expect(bottleneckWidth(parseBottleneckConfig({}), 576)).toBe(36);
    expect(bottleneckWidth(parseBottleneckConfig({ reduction_factor: 3 }), 64)).toBe(21);
    expect(bottleneckWidth(parseBottleneckConfig({ bottleneck_size: 5 }), 64)).toBe(5);
    expect(() => bottleneckWidth(parseBottleneckConfig({ reduction_factor: 128 }), 64)).toThrow('adapter config: reduction_factor: 128 leaves no bottleneck for hidden size 64 (at most 64)');
  });
});
