import { attr } from './onnx.proto.js';
import type { Lowering } from './onnx.lowering.types.js';

/** float32's lowest value: what transformers' eager attention adds to a masked score. */
const F32_LOWEST = -3.4028234663852886e38;

/**
 * `attention` as one block of standard ONNX ops whose sizes all come from its inputs at run time,
 * for a model exported with varying batch, sequence and past lengths (the executor instead lowers
 * the IR's decomposition, whose causal mask is a constant of the traced size).
 *
 * Grouped-query heads are viewed as [B, Hkv, g, T, D] against keys [B, Hkv, 1, S, D], so repeated
 * heads are never materialised. Query t sees key s ≤ t + S − T (causal), and where the mask allows;
 * a masked score becomes float32's lowest value, so a row with no visible key attends uniformly to
 * all keys, as the IR (and transformers) define it.
 */
export const dynamicAttention: Lowering<'attention'> = (b, n, [q, k, v, mask]) => {
  const [, hq, , d] = n.inputs[0].shape;
  const hkv = n.inputs[1].shape[1];
  const g = hq / hkv;
  const { causal, scale, softcap } = n.attrs;
  const unsqueeze = (x: string, axes: number[]) => b.op1('Unsqueeze', [x, b.ints(axes)]);
  const q5 = b.op1('Reshape', [q, b.ints([0, hkv, g, -1, d])]);
  const [k5, v5] = [unsqueeze(k, [2]), unsqueeze(v, [2])];
  let scores = b.op1('Mul', [b.op1('MatMul', [q5, b.op1('Transpose', [k5], { perm: attr.ints([0, 1, 2, 4, 3]) })]), b.scalar('f32', scale)]);
  if (softcap !== null) scores = b.op1('Mul', [b.op1('Tanh', [b.op1('Div', [scores, b.scalar('f32', softcap)])]), b.scalar('f32', softcap)]);

  let allowed: string | null = mask === undefined ? null : unsqueeze(mask, [2]);
  if (causal) {
    // Key positions 0..S-1 against query positions (S - T)..(S - 1), as [T, S].
    const sizeOf = (x: string) => b.op1('Squeeze', [b.op1('Shape', [x], { start: attr.int(2), end: attr.int(3) }), b.ints([0])]);
    const [t, s] = [sizeOf(q), sizeOf(k)];
    const [zero, one] = [b.scalar('i64', 0), b.scalar('i64', 1)];
    const rows = b.op1('Add', [b.op1('Range', [zero, t, one]), b.op1('Sub', [s, t])]);
    const visible = b.op1('LessOrEqual', [unsqueeze(b.op1('Range', [zero, s, one]), [0]), unsqueeze(rows, [1])]);
    allowed = allowed === null ? visible : b.op1('And', [allowed, visible]);
  }
  if (allowed !== null) scores = b.op1('Where', [allowed, scores, b.scalar('f32', F32_LOWEST)]);
  const probs = b.op1('Softmax', [scores], { axis: attr.int(-1) });
  return b.op1('Reshape', [b.op1('MatMul', [probs, v5]), b.ints([0, hq, -1, d])]);
};
