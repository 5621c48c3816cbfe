/**
 * `bench:methods --write-readme`: the results as the README's "Methods on the quickstart task"
 * table, between markers so a later run replaces its own block and nothing else.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** One JSON line of the bench, as printed. */
export interface MethodResult {
  readonly bench: 'methods';
  readonly case: string;
  readonly learning_rate: number | null;
  readonly trainable_params: number;
  readonly accuracy: number;
  readonly accuracy_before: number | null;
  readonly tokens_per_s: number | null;
  readonly peak_rss_mib: number | null;
  readonly steps: number;
  readonly ms: number | null;
}

export interface TableContext {
  readonly date: string;
  readonly schedule: string;
  readonly load: string;
}

const BEGIN = '<!-- bench:methods: written by `npm run bench:methods -- --write-readme` -->';
const END = '<!-- /bench:methods -->';
/** Where the block goes the first time: after the other benchmarks, before this heading. */
const ANCHOR = '\n## Packages';

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;
const count = (n: number) => n.toLocaleString('en-US');
const dash = <T>(v: T | null, fmt: (v: T) => string) => (v === null ? '—' : fmt(v));

function row(r: MethodResult): string {
  return `| ${[
    r.case,
    dash(r.learning_rate, (lr) => lr.toExponential()),
    count(r.trainable_params),
    r.accuracy_before === null ? percent(r.accuracy) : `${percent(r.accuracy_before)} → ${percent(r.accuracy)}`,
    dash(r.tokens_per_s, (t) => count(Math.round(t))),
    dash(r.peak_rss_mib, (m) => `${m} MiB`),
    dash(r.ms, (ms) => `${(ms / 1000).toFixed(0)} s`),
  ].join(' | ')} |`;
}

/** `a`, `a and b`, `a, b and c`. */
function names(rows: readonly MethodResult[]): string {
  const all = rows.map((r) => r.case);
  return all.length === 1 ? all[0] : `${all.slice(0, -1).join(', ')} and ${all.at(-1)}`;
}

/** Which methods reached the best accuracy, and those of them that train the fewest parameters. */
function winners(results: readonly MethodResult[]): string {
  const best = Math.max(...results.map((r) => r.accuracy));
  const top = results.filter((r) => r.accuracy === best);
  const fewest = Math.min(...top.map((r) => r.trainable_params));
  const smallest = top.filter((r) => r.trainable_params === fewest);
  const line = `Best held-out accuracy: ${names(top)} (${percent(best)})`;
  return top.length === smallest.length ? `${line}.` : `${line}; of these, ${names(smallest)} train${smallest.length === 1 ? 's' : ''} the fewest parameters (${count(fewest)}).`;
}

/** The block: one sentence of setup, the table, and which method scored best. */
export function methodsBlock(results: readonly MethodResult[], ctx: TableContext): string {
  return [
    BEGIN,
    `\`npm run bench:methods\` — each method trains the quickstart model on the quickstart task with the`,
    `real \`tunekit train examples/quickstart.yaml\`, one process per method, all on one schedule:`,
    `${ctx.schedule}.`,
    `Each is scored on the 200 held-out questions (greedy, exact match). Learning rates come from the`,
    `literature and PEFT's examples, LoRA's from the quickstart (\`scripts/bench/methods/method-cases.ts\``,
    `says where each comes from). Measured on ${ctx.date}, ${ctx.load}.`,
    '',
    '| method | learning rate | trainable params | accuracy (start → trained) | tokens/s | peak RSS | training |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(row),
    '',
    winners(results),
    END,
  ].join('\n');
}

/** Replaces the block in README.md, or puts it before `## Packages` the first time. */
export async function writeReadmeBlock(readmePath: string, block: string): Promise<void> {
  const readme = await readFile(readmePath, 'utf8');
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  let next: string;
  if (begin >= 0 && end > begin) next = readme.slice(0, begin) + block + readme.slice(end + END.length);
  else if (readme.includes(ANCHOR)) next = readme.replace(ANCHOR, `\n### Methods on the quickstart task\n\n${block}\n${ANCHOR}`);
  else throw new Error(`${readmePath}: neither the bench:methods markers nor "${ANCHOR.trim()}" to put the table before`);
  await writeFile(readmePath, next);
}
