import { describe, expect, it } from 'vitest';
import { PairQueue } from './pair.queue.js';

describe('PairQueue', () => {
  // Higher count first; equal counts: smaller key first.
  const first = (countA: number, keyA: number, countB: number, keyB: number) => (countA !== countB ? countA > countB : keyA < keyB);

  it('pops entries in the order the comparator gives, through growth past its first capacity', () => {
    const queue = new PairQueue(first);
    let s = 99;
    const entries: [number, number][] = [];
    for (let i = 0; i < 5000; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      entries.push([(s >>> 20) % 50, i]);
    }
    for (const [count, key] of entries) queue.push(count, key);
    expect(queue.length).toBe(5000);
    const popped: [number, number][] = [];
    while (queue.pop()) popped.push([queue.count, queue.key]);
    expect(popped).toEqual([...entries].sort(([ca, ka], [cb, kb]) => cb - ca || ka - kb));
    expect(queue.length).toBe(0);
  });

  it('interleaves pushes and pops', () => {
    const queue = new PairQueue(first);
    queue.push(3, 30);
    queue.push(7, 70);
    expect(queue.pop() && [queue.count, queue.key]).toEqual([7, 70]);
    queue.push(5, 50);
    queue.push(5, 10);
    expect(queue.pop() && [queue.count, queue.key]).toEqual([5, 10]);
    expect(queue.pop() && [queue.count, queue.key]).toEqual([5, 50]);
    expect(queue.pop() && [queue.count, queue.key]).toEqual([3, 30]);
    expect(queue.pop()).toBe(false);
  });
});
