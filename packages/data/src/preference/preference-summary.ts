import { utf8Warning } from '../readers/collect-records.js';
import type { LoadedPreferenceDataset } from './preference-dataset.js';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A run log's `data:` line for preference data: what was read, and what truncation cut or dropped. */
export function describePreferenceData({ stats, truncation }: LoadedPreferenceDataset): string {
  const what = stats.format === 'unpaired_preference' ? 'unpaired example' : 'pair';
  const parts = [`${plural(stats.trainExamples, `training ${what}`)} (${stats.format})`];
  if (stats.validationExamples) parts.push(plural(stats.validationExamples, `validation ${what}`));
  if (stats.promptsTruncated) parts.push(`${stats.promptsTruncated} prompts truncated (${truncation.truncationMode}${truncation.maxPromptLength === null ? '' : `, max_prompt_length ${truncation.maxPromptLength}`})`);
  if (stats.completionsTruncated) parts.push(`${stats.completionsTruncated} with completions truncated`);
  if (stats.dropped) parts.push(`${stats.dropped} dropped, too long for max_length ${truncation.maxLength}`);
  if (stats.skipped) parts.push(`${plural(stats.skipped, 'bad row')} skipped`);
  return `${plural(stats.rows, 'row')} read: ${parts.join(', ')}`;
}

/** One line per thing in the preference data a user should know before trusting the run. */
export function preferenceDataWarnings({ stats }: LoadedPreferenceDataset): string[] {
  return [utf8Warning(stats), promptMismatchWarning(stats.promptMismatches)].filter((w) => w !== null);
}

/** TRL 1.9 warns of the same and cuts the completion at the prompt's length all the same, as TuneKit does. */
const promptMismatchWarning = (n: number): string | null =>
  n === 0
    ? null
    : `${plural(n, 'example')}: the prompt's tokens are not the start of prompt + completion tokenized whole (a template or tokenizer that renders them differently); the completion starts at the prompt's length, as TRL does`;
