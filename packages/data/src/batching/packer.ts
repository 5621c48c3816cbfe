import type { TokenizedExample } from '../tokenize/tokenized-example.js';
import type { Row } from './row.js';

/**
 * Packs examples into rows of at most `maxLength` tokens: first-fit decreasing (longest first, each
 * into the first row with room), which fills rows to within a few percent of optimal. A max-tree over
 * the rows' free space finds that row in O(log n). Examples must already be truncated.
 */
export function packExamples(examples: readonly TokenizedExample[], maxLength: number): Row[] {
  const order = examples.map((e, i) => i).sort((a, b) => examples[b].inputIds.length - examples[a].inputIds.length || a - b);
  const free = new FreeSpaceTree(examples.length, maxLength);
  const bins: number[][] = [];
  for (const index of order) {
    const length = examples[index].inputIds.length;
    if (length > maxLength) throw new Error(`packExamples: example ${index} has ${length} tokens, more than max_length ${maxLength}; truncate first`);
    if (length === 0) continue;
    const bin = free.firstWithRoom(length);
    free.take(bin, length);
    (bins[bin] ??= []).push(index);
  }
  return bins.map((members) => packRow(members.map((i) => examples[i])));
}

function packRow(documents: readonly TokenizedExample[]): Row {
  const n = documents.reduce((sum, d) => sum + d.inputIds.length, 0);
  const source = documents[0]?.source;
  const row = { inputIds: new Int32Array(n), labels: new Int32Array(n), positionIds: new Int32Array(n), documentIds: new Int32Array(n), ...(source ? { source } : {}) };
  let at = 0;
  documents.forEach((doc, d) => {
    const len = doc.inputIds.length;
    row.inputIds.set(doc.inputIds, at);
    row.labels.set(doc.labels, at);
    for (let i = 0; i < len; i++) row.positionIds[at + i] = i;
    row.documentIds.fill(d + 1, at, at + len);
    at += len;
  });
  return row;
}

/** Free space per row (all rows start empty), as a max segment tree. */
class FreeSpaceTree {
  private readonly size: number;
  private readonly max: Int32Array;

  constructor(rows: number, capacity: number) {
    this.size = 1 << Math.ceil(Math.log2(Math.max(rows, 1)));
    this.max = new Int32Array(2 * this.size).fill(capacity);
  }

  firstWithRoom(length: number): number {
    let node = 1;
    while (node < this.size) node = this.max[2 * node] >= length ? 2 * node : 2 * node + 1;
    return node - this.size;
  }

  take(row: number, length: number): void {
    let node = row + this.size;
    this.max[node] -= length;
    for (node >>= 1; node >= 1; node >>= 1) this.max[node] = Math.max(this.max[2 * node], this.max[2 * node + 1]);
  }
}

/**
 * The attention mask of one packed row, [T, T] row-major: query i may see key j when j <= i and
 * both are in the same document. Padding (document 0) sees only itself, so no softmax row is empty.
 */
export function packedAttentionMask(documentIds: ArrayLike<number>): Uint8Array {
  const t = documentIds.length;
  const mask = new Uint8Array(t * t);
  for (let i = 0; i < t; i++) {
    const doc = documentIds[i];
    if (doc === 0) {
      mask[i * t + i] = 1;
      continue;
    }
    for (let j = i; j >= 0 && documentIds[j] === doc; j--) mask[i * t + j] = 1;
  }
  return mask;
}
