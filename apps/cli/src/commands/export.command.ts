import { injectAll, injectable } from 'tsyringe';
import { EXPORTER, type Exporter, writeDirAtomically } from '@tunekit/core';
import { parseCommandArgs, required } from '../args.js';
import { UsageError } from '../cli-error.js';
import { assertNewDir } from '../output-dir.js';
import type { Command } from './command.interface.js';

const USAGE = 'tunekit export --format NAME --model M [--adapter DIR] --out DIR [format flags]';

/**
 * Runs one exporter over a command line: its flags are checked before anything is loaded, and the
 * output folder is refused if it exists, then written whole or not at all.
 */
export async function runExport(exporter: Exporter, argv: string[], usage: string): Promise<void> {
  const common = { model: { type: 'string' }, adapter: { type: 'string' }, out: { type: 'string' } } as const;
  const { values, positionals } = parseCommandArgs(argv, { ...common, ...exporter.flags }, usage);
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${usage}`);
  const { model, adapter, out, ...flags } = values as Record<string, string | boolean | undefined>;
  const modelId = required(model as string | undefined, '--model', usage);
  const adapterDir = exporter.adapter === 'required' ? required(adapter as string | undefined, '--adapter', usage) : ((adapter as string | undefined) ?? null);
  const outDir = required(out as string | undefined, '--out', usage);
  exporter.checkFlags(flags);
  await assertNewDir(outDir);
  await exporter.run({
    model: modelId,
    adapter: adapterDir,
    out: outDir,
    flags,
    write: (fill) => writeDirAtomically(outDir, fill, { existing: 'refuse' }),
    print: (line) => console.log(line),
    warn: (line) => console.error(line),
  });
}

/** `tunekit export --format NAME`: the model (and adapter) in a registered output format. */
@injectable()
export class ExportCommand implements Command {
  readonly name = 'export';
  readonly summary = 'Export a model (with its adapter) in a registered format: hf (merged checkpoint), or a plugin\'s';

  constructor(@injectAll(EXPORTER) private readonly exporters: Exporter[]) {}

  get usage(): string {
    return [
      USAGE,
      '',
      '  --format NAME     The output format; each adds its own flags:',
      ...this.registered().flatMap((e) => [`    ${e.name}: ${e.summary}${e.adapter === 'required' ? ' (needs --adapter)' : ''}`, ...e.usage.map((l) => `    ${l}`)]),
      '  --model M         Base model folder or Hub id',
      '  --adapter DIR     The adapter (PEFT layout)',
      '  --out DIR         A new folder for the export',
    ].join('\n');
  }

  /** One exporter per name, a later registration winning (a plugin may replace a built-in format). */
  private registered(): Exporter[] {
    return [...new Map(this.exporters.map((e) => [e.name, e])).values()];
  }

  async run(argv: string[]): Promise<number> {
    const at = argv.findIndex((a) => a === '--format' || a.startsWith('--format='));
    if (at < 0) throw new UsageError(`--format is required (one of ${this.registered().map((e) => e.name).join(', ')}); usage: ${USAGE}`);
    const name = argv[at].startsWith('--format=') ? argv[at].slice('--format='.length) : argv[at + 1];
    const exporter = this.registered().find((e) => e.name === name);
    if (!exporter) throw new UsageError(`--format: unknown format ${JSON.stringify(name ?? '')}; choose one of ${this.registered().map((e) => e.name).join(', ')}`);
    const rest = argv.filter((_, i) => i !== at && !(i === at + 1 && !argv[at].includes('=')));
    await runExport(exporter, rest, `tunekit export --format ${exporter.name} --model M ${exporter.adapter === 'required' ? '--adapter DIR' : '[--adapter DIR]'} --out DIR`);
    return 0;
  }
}
