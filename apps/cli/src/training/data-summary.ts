import { type LoadedDataset, utf8Warning } from '@tunekit/data';

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The `data:` line of a run: what was read, and where every row went. Rows dropped for having no
 * token left to train are counted apart from the truncated ones, so the counts add up to the file.
 */
export function describeData({ stats, config }: LoadedDataset): string {
  const parts = [`${plural(stats.trainExamples, 'training example')} (${stats.format ?? config.format})`];
  if (config.packing) parts.push(`packed into ${plural(stats.trainRows, 'row')}`);
  if (stats.validationExamples) parts.push(`${plural(stats.validationExamples, 'validation example')}`);
  if (stats.truncated) parts.push(`${stats.truncated} truncated to ${config.max_length} tokens`);
  if (stats.untrainable) parts.push(`${stats.untrainable} dropped with no token left to train`);
  if (stats.skipped) parts.push(`${plural(stats.skipped, 'bad row')} skipped`);
  return `data: ${plural(stats.rows, 'row')} read: ${parts.join(', ')}`;
}

/** One line per thing in the data a user should know before trusting the run. */
export function dataWarnings({ stats }: LoadedDataset): string[] {
  return [utf8Warning(stats)].filter((w) => w !== null);
}
