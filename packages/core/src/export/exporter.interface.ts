/** Flags an exporter adds to `tunekit export --format NAME` (node:util parseArgs option shapes). */
export type ExporterFlags = Readonly<Record<string, { readonly type: 'string' | 'boolean' }>>;

/** One `tunekit export` run, as the exporter sees it. */
export interface ExportRequest {
  /** The base model folder or Hub id. */
  readonly model: string;
  /** The adapter folder to fold in, or null. */
  readonly adapter: string | null;
  /** The output folder, for messages; the exporter fills it through `write`. */
  readonly out: string;
  /** The exporter's own flags, as given. */
  readonly flags: Readonly<Record<string, string | boolean | undefined>>;
  /** Creates `out` whole or not at all: `fill` writes into a staging folder renamed to `out` at the end. */
  write(fill: (staging: string) => Promise<void>): Promise<void>;
  /** What the export did (stdout). */
  print(line: string): void;
  /** What the user should know before trusting the result (stderr). */
  warn(line: string): void;
}

/**
 * An output format behind `tunekit export --format NAME` (a merged Hugging Face checkpoint, GGUF,
 * ONNX, ...), registered under EXPORTER.
 */
export interface Exporter {
  readonly name: string;
  readonly summary: string;
  /** Whether the format folds in an adapter (`required`: a merge) or exports the model with or without one. */
  readonly adapter: 'required' | 'optional';
  readonly flags: ExporterFlags;
  /** Help lines for its flags. */
  readonly usage: readonly string[];
  /** Rejects bad flags before anything is loaded or written (an error naming the flag). */
  checkFlags(flags: ExportRequest['flags']): void;
  run(request: ExportRequest): Promise<void>;
}
