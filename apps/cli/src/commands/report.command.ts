import { resolve } from 'node:path';
import { injectable } from 'tsyringe';
import { parseCommandArgs } from '../args.js';
import { UsageError } from '../cli-error.js';
import { loadRunSummary } from '../report/run-summary.js';
import { REPORT_FILE, writeReport } from '../report/write-report.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit report RUN_DIR [--out report.html]';

/** `tunekit report`: a training run's folder to one self-contained HTML page and training_loss.png. */
@injectable()
export class ReportCommand implements Command {
  readonly name = 'report';
  readonly summary = 'Write an offline HTML report of a training run (loss curves, config, samples) and training_loss.png';
  readonly usage = [
    USAGE,
    '',
    `  RUN_DIR      A tunekit train output_dir (run_summary.json, or metrics.jsonl of a run still going)`,
    `  --out FILE   Where the HTML goes (default RUN_DIR/${REPORT_FILE}); training_loss.png is written beside it`,
    '',
    'tunekit train writes this report at the end of every run.',
  ].join('\n');

  async run(argv: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string' } }, USAGE);
    if (positionals.length !== 1) throw new UsageError(`expected one run folder, got ${positionals.length}; usage: ${USAGE}`);
    const dir = resolve(positionals[0]);
    const written = await writeReport(await loadRunSummary(dir), resolve(values.out ?? `${dir}/${REPORT_FILE}`));
    console.log(`report: ${written.html}`);
    if (written.png) console.log(`loss plot: ${written.png}`);
    return 0;
  }
}
