import type { GenerationConfig } from './generation-config.js';

/** Why a row ended: an EOS id, a stop string in its text, or `maxNewTokens`. */
export type FinishReason = 'eos' | 'stop_string' | 'length';

/** A row right after it took a token. */
export interface RowProgress {
  readonly token: number;
  readonly generatedCount: number;
  /** The row's generated text so far (empty without a tokenizer). */
  readonly text: string;
  /** Length of `text` before this token. */
  readonly previousTextLength: number;
}

type StopRule = (row: RowProgress) => boolean;

/**
 * A stop string can only newly appear across the boundary of the text just added, so the search
 * starts that far back: per token it costs the delta, not the whole text.
 */
function containsNewStop(stops: readonly string[]): StopRule {
  return ({ text, previousTextLength }) => stops.some((s) => text.indexOf(s, Math.max(0, previousTextLength - s.length + 1)) >= 0);
}

/** Checked in this order, so a token that is EOS and also the last allowed reports 'eos'. */
export function stoppingCriteria(config: Pick<GenerationConfig, 'eosTokenIds' | 'stopStrings' | 'maxNewTokens'>): (row: RowProgress) => FinishReason | null {
  const eos = new Set(config.eosTokenIds);
  const rules: [FinishReason, StopRule][] = [
    ['eos', ({ token }) => eos.has(token)],
    ['stop_string', containsNewStop(config.stopStrings)],
    ['length', ({ generatedCount }) => generatedCount >= config.maxNewTokens],
  ];
  return (row) => rules.find(([, hit]) => hit(row))?.[0] ?? null;
}
