/** TRL's `truncation_mode`: which end of a too-long sequence is kept. */
export type TruncationMode = 'keep_end' | 'keep_start';
export const TRUNCATION_MODES: readonly TruncationMode[] = ['keep_end', 'keep_start'];

/** TRL's names: `max_length` (prompt + completion), `max_prompt_length`, `max_completion_length`; null for no limit. */
export interface PreferenceTruncation {
  readonly maxLength: number | null;
  readonly maxPromptLength: number | null;
  readonly maxCompletionLength: number | null;
  readonly truncationMode: TruncationMode;
}

export const PREFERENCE_TRUNCATION_DEFAULTS: PreferenceTruncation = { maxLength: 1024, maxPromptLength: null, maxCompletionLength: null, truncationMode: 'keep_end' };

/** What truncation did to a dataset: examples whose prompt or completions lost tokens, and those that could not fit. */
export interface TruncationCounts {
  promptsTruncated: number;
  completionsTruncated: number;
  dropped: number;
}

export const noTruncation = (): TruncationCounts => ({ promptsTruncated: 0, completionsTruncated: 0, dropped: 0 });

/**
 * Cuts a prompt and its completions (chosen and rejected, or KTO's one) so that the prompt and the
 * longest completion fit `maxLength`, the prompt staying shared:
 * - the prompt keeps its last `maxPromptLength` tokens and each completion its first
 *   `maxCompletionLength` (as TRL does);
 * - then `keep_end` drops tokens from the prompt's start (at least one prompt token stays), and
 *   `keep_start` cuts the completions' ends.
 * Returns null when the example cannot fit that way (it is dropped and counted).
 */
export function truncateTurns(
  prompt: Int32Array,
  completions: readonly Int32Array[],
  options: PreferenceTruncation,
  counts: TruncationCounts,
): { prompt: Int32Array; completions: Int32Array[] } | null {
  let p = prompt;
  let cs = [...completions];
  let promptCut = false;
  let completionCut = false;
  const cutCompletions = (n: number) => {
    if (cs.some((c) => c.length > n)) completionCut = true;
    cs = cs.map((c) => (c.length > n ? c.subarray(0, n) : c));
  };
  if (options.maxPromptLength !== null && p.length > options.maxPromptLength) {
    p = p.subarray(p.length - options.maxPromptLength);
    promptCut = true;
  }
  if (options.maxCompletionLength !== null) cutCompletions(options.maxCompletionLength);
  if (options.maxLength !== null) {
    const excess = p.length + Math.max(...cs.map((c) => c.length)) - options.maxLength;
    if (excess > 0 && options.truncationMode === 'keep_end') {
      if (excess >= p.length) return drop(counts);
      p = p.subarray(excess);
      promptCut = true;
    } else if (excess > 0) {
      const room = options.maxLength - p.length;
      if (room < 1) return drop(counts);
      cutCompletions(room);
    }
  }
  if (promptCut) counts.promptsTruncated++;
  if (completionCut) counts.completionsTruncated++;
  return { prompt: p, completions: cs };
}

function drop(counts: TruncationCounts): null {
  counts.dropped++;
  return null;
}
