import { describe, expect, it } from 'vitest';
import { Linear } from '../nn/linear.js';
import { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from './shape-error.js';
import { withScope } from './trace-context.js';

class Mlp extends Module {
  readonly up_proj = this.module('up_proj', new Linear(4, 8));
  forward(x: Tensor): Tensor {
    return this.up_proj.call(x);
  }
}

describe('shape and dtype inference at trace time', () => {
  it('names the op and the module path of a shape error', () => {
    const mlp = new Mlp();
    const x = Tensor.input('x', [2, 5]);
    const trace = () => withScope('model.layers.3.mlp', () => mlp.call(x));
    expect(trace).toThrow(ShapeError);
    expect(trace).toThrow('matmul at model.layers.3.mlp.up_proj: cannot multiply [2, 5] by [4, 8]');
  });

  it('infers broadcast shapes and result dtypes', () => {
    const a = Tensor.input('a', [2, 1, 4]);
    const b = Tensor.input('b', [3, 1]);
    expect(a.add(b).shape).toEqual([2, 3, 4]);
    expect(a.lt(b).dtype).toBe('bool');
    expect(a.sum([0, 2], true).shape).toEqual([1, 1, 1]);
    expect(Tensor.input('q', [2, 1, 3, 4]).matmul(Tensor.input('w', [5, 4, 6])).shape).toEqual([2, 5, 3, 6]);
  });

  it('rejects what cannot be computed, with the reason', () => {
    const x = Tensor.input('x', [2, 3]);
    expect(() => x.add(Tensor.input('y', [4]))).toThrow('add: cannot broadcast [2, 3] with [4]');
    expect(() => x.reshape(4, 2)).toThrow('reshape: cannot reshape [2, 3] to [4, 2]');
    expect(() => x.gather(0, Tensor.input('f', [2]))).toThrow('gather: indices must be i64 or i32, got f32');
    expect(() => x.gt(0).sum()).toThrow('cannot reduce a bool tensor');
    expect(() => x.slice(1, 0, 3).permute(0, 0)).toThrow('invalid permutation');
    expect(() => Tensor.input('i', [2], 'i64').exp()).toThrow('exp: expects a float tensor, got i64');
  });
});
