import { describe, expect, it } from 'vitest';
import { HostTensor } from '../host-tensor.js';
import { Parameter } from '../ir/parameter.js';
import { SGD, SGD_DEFAULTS, type SGDOptions } from './sgd.optimizer.js';

const named = (name: string, values: number[]): Parameter => {
  const p = Parameter.fromValues([values.length], values);
  p.name = name;
  return p;
};

const expectClose = (actual: ArrayLike<number>, expected: number[], tol = 1e-6): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i] - e), `element ${i}: ${actual[i]} vs ${e}`).toBeLessThanOrEqual(tol));
};

const bitsOf = (p: Parameter): number[] => Array.from(new Uint32Array((p.value.data as Float32Array).buffer));

const GRADS = [
  [0.5, -1],
  [0.25, 0.5],
  [-1, 0.25],
];

/** Runs SGD from p0 = [1, -0.5] over GRADS and returns the weights after each step. */
function trajectory(options: SGDOptions): number[][] {
  const p = named('w', [1, -0.5]);
  const opt = new SGD([p], options);
  return GRADS.map((g) => {
    p.grad = Float32Array.from(g);
    opt.step();
    return Array.from(p.value.data as Float32Array);
  });
}

describe('SGD', () => {
  it('has torch.optim.SGD defaults', () => {
    expect(SGD_DEFAULTS).toEqual({ lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false });
  });

  it('plain SGD with weight decay: p -= lr * (g + wd*p)', () => {
    // step 1: [1 - 0.1*(0.5 + 0.1), -0.5 - 0.1*(-1 - 0.05)] = [0.94, -0.395]
    // step 2: [0.94 - 0.1*(0.25 + 0.094), -0.395 - 0.1*(0.5 - 0.0395)] = [0.9056, -0.44105]
    const [s1, s2] = trajectory({ lr: 0.1, weightDecay: 0.1 });
    expectClose(s1, [0.94, -0.395]);
    expectClose(s2, [0.9056, -0.44105]);
  });

  it('momentum with weight decay matches hand-computed steps (buffer starts as the first grad)', () => {
    // step 1: d = g + 0.1p = [0.6, -1.05];  buf = d;                         p = [0.94, -0.395]
    // step 2: d = [0.25 + 0.094, 0.5 - 0.0395] = [0.344, 0.4605]
    //         buf = 0.9*[0.6, -1.05] + d = [0.884, -0.4845];                 p = [0.8516, -0.34655]
    // step 3: d = [-1 + 0.08516, 0.25 - 0.034655] = [-0.91484, 0.215345]
    //         buf = 0.9*[0.884, -0.4845] + d = [-0.11924, -0.220705];        p = [0.863524, -0.3244795]
    const steps = trajectory({ lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    expectClose(steps[0], [0.94, -0.395]);
    expectClose(steps[1], [0.8516, -0.34655]);
    expectClose(steps[2], [0.863524, -0.3244795]);
  });

  it('nesterov matches hand-computed steps', () => {
    // step 1: buf = g = [0.5, -1];  update = g + 0.9 buf = [0.95, -1.9];          p = [0.905, -0.31]
    // step 2: buf = 0.9*[0.5, -1] + [0.25, 0.5] = [0.7, -0.4]
    //         update = [0.25 + 0.63, 0.5 - 0.36] = [0.88, 0.14];                  p = [0.817, -0.324]
    // step 3: buf = 0.9*[0.7, -0.4] + [-1, 0.25] = [-0.37, -0.11]
    //         update = [-1 - 0.333, 0.25 - 0.099] = [-1.333, 0.151];              p = [0.9503, -0.3391]
    const steps = trajectory({ lr: 0.1, momentum: 0.9, nesterov: true });
    expectClose(steps[0], [0.905, -0.31]);
    expectClose(steps[1], [0.817, -0.324]);
    expectClose(steps[2], [0.9503, -0.3391]);
  });

  it('dampening applies from the second step on', () => {
    // step 1: buf = g = [0.5, -1] (undampened);                    p = [0.95, -0.4]
    // step 2: buf = 0.9*[0.5, -1] + 0.5*[0.25, 0.5] = [0.575, -0.65]; p = [0.8925, -0.335]
    const steps = trajectory({ lr: 0.1, momentum: 0.9, dampening: 0.5 });
    expectClose(steps[0], [0.95, -0.4]);
    expectClose(steps[1], [0.8925, -0.335]);
  });

  it('rejects nesterov without momentum or with dampening', () => {
    const p = named('w', [1]);
    expect(() => new SGD([p], { nesterov: true })).toThrow(/nesterov/);
    expect(() => new SGD([p], { nesterov: true, momentum: 0.9, dampening: 0.1 })).toThrow(/nesterov/);
  });

  it('round-trips its state dict: restored optimizer continues bit-identically', () => {
    const options: SGDOptions = { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-2 };
    const original = [named('a', [0.3, -0.7, 1.1]), named('b', [2, -3])];
    const gradsAt = (t: number, p: Parameter) => Float32Array.from({ length: p.size }, (_, i) => Math.cos(t * 5 + i));
    const opt = new SGD(original, options);
    for (let t = 0; t < 3; t++) {
      for (const p of original) p.grad = gradsAt(t, p);
      opt.step();
    }
    const saved = opt.stateDict();
    expect(Object.keys(saved.buffers.a)).toEqual(['momentum_buffer']);

    const copies = original.map((p) => {
      const c = new Parameter(new HostTensor('f32', p.shape, (p.value.data as Float32Array).slice()));
      c.name = p.name;
      return c;
    });
    const restored = new SGD(copies, options);
    restored.loadStateDict({ meta: JSON.parse(JSON.stringify(saved.meta)), buffers: saved.buffers });
    for (let t = 3; t < 5; t++) {
      for (const [i, p] of original.entries()) {
        p.grad = gradsAt(t, p);
        copies[i].grad = gradsAt(t, p);
      }
      opt.step();
      restored.step();
    }
    copies.forEach((c, i) => expect(bitsOf(c)).toEqual(bitsOf(original[i])));
  });

  it('is deterministic', () => {
    const run = () => trajectory({ lr: 0.1, momentum: 0.5, weightDecay: 0.01 }).flat();
    expect(run()).toEqual(run());
  });
});
