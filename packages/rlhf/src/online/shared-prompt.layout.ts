import { F, HostTensor, Tensor } from '@tunekit/core';
import { leftPad } from '@tunekit/models';
import { tokenEntropy } from '../common/token-entropy.js';
import { type RolloutLayout, rowTokens } from './rollout-layout.js';
import { LENGTH_MULTIPLE, roundUp } from './rollout-rows.js';
import { inputOf } from './traced-input.js';

/** Feed names of the shared-prompt layout. */
export const SHARED_PROMPT_FEEDS = {
  /** [P, Lp] each distinct prompt once, left-padded so its last token is in the last column. */
  promptIds: 'prompt_ids',
  promptPositions: 'prompt_positions',
  promptMask: 'prompt_mask',
  /** [N] i64: the prompt of each completion row. */
  rowPrompt: 'row_prompt',
  /** [N, Lc] right-padded completions, their real tokens, their positions after the prompt, and the tokens whose log-prob counts. */
  completionIds: 'completion_ids',
  completionAttention: 'completion_attention',
  completionPositions: 'completion_positions',
  completionMask: 'completion_mask',
} as const;

const F_ = SHARED_PROMPT_FEEDS;

/**
 * Each distinct prompt runs once, and its completions attend to its keys and values: a GRPO
 * rollout repeats every prompt `num_generations` times, so the full-rows layout would run each
 * prompt that many times. The prompt pass's keys and values are gathered per row with their
 * gradient (a scatter-add back), so the log-probs and gradients are the full-rows layout's.
 *
 * Per-token tensors are [N, Lc], over the completion only: column j scores completion token j.
 * Prompts and positions are laid out as the generator lays them out (left padding, each prompt
 * numbered from 0, a prompt-learning method's virtual tokens first).
 */
export const SHARED_PROMPT_LAYOUT: RolloutLayout = {
  layOut: (rollout, rows, { maxCompletionLength }) => {
    const distinct: (readonly number[])[] = [];
    const seen = new Map<string, number>();
    const promptOf = rollout.promptIds.map((ids, row) => {
      // The first completion token is scored from the prompt's last position.
      if (ids.length === 0) throw new Error(`rollout row ${row}: its prompt has no tokens, so nothing predicts the completion's first token`);
      const key = ids.join(',');
      if (!seen.has(key)) seen.set(key, distinct.push(ids) - 1);
      return seen.get(key)!;
    });
    const promptLength = roundUp(Math.max(...distinct.map((p) => p.length)), LENGTH_MULTIPLE);
    const longest = Math.max(1, ...rollout.completionIds.map((c) => c.length));
    // Every micro-batch of a rollout gets one shape, so the update compiles once per rollout shape.
    const width = Math.max(longest, Math.min(maxCompletionLength, roundUp(longest, LENGTH_MULTIPLE)));
    const rowLength = rows.inputIds.shape[1];
    // Column j scores completion token j; whether it counts is the full rows' mask at the token.
    const counts = (row: number, j: number) => rows.completionMask.data[row * rowLength + rollout.promptIds[row].length + j];
    const completionTokens = (value: (row: number, j: number) => number) => {
      const n = rollout.promptIds.length;
      const out = HostTensor.zeros('f32', [n, width]);
      rollout.completionIds.forEach((c, row) => c.forEach((_, j) => (out.data[row * width + j] = value(row, j))));
      return out;
    };
    return {
      size: rollout.promptIds.length,
      rowTokens: rowTokens(rollout),
      completionTokens: (values) => completionTokens((row, j) => values[row][j]),
      tokenMask: () => completionTokens(counts),
      feeds: (picked) => {
        const used = [...new Set(picked.map((r) => promptOf[r]))];
        const slot = new Map(used.map((p, i) => [p, i]));
        // Padded with a prompt no row reads, to a count that depends only on the micro-batch size.
        const slots = Math.min(distinct.length, picked.length);
        while (used.length < slots) used.push(used[0]);
        // leftPad rounds the longest up to a multiple of promptLength: that is promptLength itself.
        const prompts = leftPad(used.map((p) => distinct[p]), rollout.padTokenId, promptLength);
        const n = picked.length;
        const ids = HostTensor.i64([n, width], new Array<number>(n * width).fill(rollout.padTokenId));
        const attention = HostTensor.zeros('bool', [n, width]);
        const positions = HostTensor.i64([n, width], new Array<number>(n * width).fill(0));
        const mask = HostTensor.zeros('f32', [n, width]);
        picked.forEach((row, i) => {
          const start = rollout.promptIds[row].length;
          rollout.completionIds[row].forEach((id, j) => {
            const at = i * width + j;
            ids.data[at] = BigInt(id);
            attention.data[at] = 1;
            positions.data[at] = BigInt(start + j);
            // The full rows' completion mask says which tokens count (truncated rows may not).
            mask.data[at] = counts(row, j);
          });
        });
        return {
          [F_.promptIds]: prompts.inputIds,
          [F_.promptPositions]: prompts.positionIds,
          [F_.promptMask]: prompts.attentionMask,
          [F_.rowPrompt]: HostTensor.i64([n], picked.map((r) => slot.get(promptOf[r])!)),
          [F_.completionIds]: ids,
          [F_.completionAttention]: attention,
          [F_.completionPositions]: positions,
          [F_.completionMask]: mask,
        };
      },
    };
  },
  trace: (model, feeds, temperature) => {
    const x = (name: string) => inputOf(name, feeds[name]);
    const [promptIds, promptMask, rowPrompt, completionIds, completionMask] = [x(F_.promptIds), x(F_.promptMask), x(F_.rowPrompt), x(F_.completionIds), x(F_.completionMask)];
    const first = model.call(promptIds, { attentionMask: promptMask, positionIds: x(F_.promptPositions), logitsToKeep: 1 });
    const perRow = (t: Tensor) => t.gather(0, rowPrompt);
    // The prompt's last logits score the first completion token; the second pass scores the rest.
    const parts = [perRow(first.logits)];
    const [n, width] = completionIds.shape;
    if (width > 1) {
      const past = first.present.map(({ k, v }) => ({ k: perRow(k), v: perRow(v) }));
      const virtual = past[0].k.dim(2) - promptIds.dim(1);
      const fed = (t: Tensor) => t.slice(1, 0, width - 1);
      const masks = [perRow(promptMask), fed(x(F_.completionAttention))];
      let positions = fed(x(F_.completionPositions));
      if (virtual > 0) {
        const seen = HostTensor.zeros('bool', [n, virtual]);
        seen.data.fill(1);
        masks.unshift(Tensor.constant(seen));
        positions = positions.add(Tensor.constant(HostTensor.i64([], [virtual])));
      }
      parts.push(model.call(fed(completionIds), { past, attentionMask: Tensor.concat(masks, 1), positionIds: positions }).logits);
    }
    const logits = Tensor.concat(parts, 1).div(temperature);
    const labels = Tensor.where(completionMask.gt(0), completionIds, -100);
    const perToken = F.crossEntropy(logits, labels, { ignoreIndex: -100, reduction: 'none' }).neg();
    return { policy: { perToken, mask: completionMask, entropy: tokenEntropy(logits) }, inputs: null };
  },
};
