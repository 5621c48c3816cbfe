/**
 * A binary max-heap of (count, pair key) entries. It holds stale entries too: the trainer pushes a
 * pair again whenever its count may have grown and checks each popped entry against the live count
 * (the lazy scheme of Hugging Face tokenizers' trainer), which costs far less than a decrease-key.
 */
export class PairQueue {
  private counts = new Float64Array(1024);
  private keys = new Float64Array(1024);
  private size = 0;
  /** The entry the last successful `pop` removed. */
  count = 0;
  key = 0;

  /** `first(countA, keyA, countB, keyB)`: whether entry A comes out before entry B. */
  constructor(private readonly first: (countA: number, keyA: number, countB: number, keyB: number) => boolean) {}

  get length(): number {
    return this.size;
  }

  push(count: number, key: number): void {
    if (this.size === this.counts.length) this.grow();
    const { counts, keys, first } = this;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!first(count, key, counts[parent], keys[parent])) break;
      counts[i] = counts[parent];
      keys[i] = keys[parent];
      i = parent;
    }
    counts[i] = count;
    keys[i] = key;
  }

  /** Removes the first entry into `count` and `key`; false when the queue is empty. */
  pop(): boolean {
    if (this.size === 0) return false;
    const { counts, keys, first } = this;
    this.count = counts[0];
    this.key = keys[0];
    const last = --this.size;
    const count = counts[last];
    const key = keys[last];
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && first(counts[child + 1], keys[child + 1], counts[child], keys[child])) child++;
      if (!first(counts[child], keys[child], count, key)) break;
      counts[i] = counts[child];
      keys[i] = keys[child];
      i = child;
    }
    counts[i] = count;
    keys[i] = key;
    return true;
  }

  private grow(): void {
    const counts = new Float64Array(this.counts.length * 2);
    const keys = new Float64Array(this.keys.length * 2);
    counts.set(this.counts);
    keys.set(this.keys);
    this.counts = counts;
    this.keys = keys;
  }
}
