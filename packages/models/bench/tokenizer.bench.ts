/**
 * `npm run bench:tokenizer`: trains a byte-level BPE tokenizer (llama3 pre-tokenizer, 32,000
 * tokens) on 100 MB of deterministic synthetic text in four files, then checks that the result
 * loads in @huggingface/tokenizers and round-trips a sample. The target is 100 MB in under five
 * minutes on a 2-core machine. TOKENIZER_BENCH_MB and TOKENIZER_BENCH_VOCAB change the size.
 */
import { appendFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { HfTokenizer, trainTokenizer, writeTokenizerFiles } from '../src/index.js';
import { syntheticText } from './synthetic-text.js';

const MB = Number(process.env.TOKENIZER_BENCH_MB ?? 100);
const VOCAB = Number(process.env.TOKENIZER_BENCH_VOCAB ?? 32_000);
const FILES = 4;
const SEED = 20_240_601;
const TARGET_SECONDS = 300;

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const peakRssMib = () => round(process.resourceUsage().maxRSS / 1024, 1);

/** The synthetic text in FILES files of about equal size (each generated piece goes whole into one). */
async function writeCorpus(dir: string): Promise<string[]> {
  const files = Array.from({ length: FILES }, (_, i) => join(dir, `part-${i}.txt`));
  const perFile = (MB * 1e6) / FILES;
  let made = 0;
  for (const piece of syntheticText(SEED, MB * 1e6)) {
    await appendFile(files[Math.min(FILES - 1, Math.floor(made / perFile))], piece);
    made += Buffer.byteLength(piece);
  }
  return files;
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'tunekit-bench-tokenizer-'));
  try {
    const files = await writeCorpus(dir);
    const t0 = performance.now();
    const trained = await trainTokenizer({ files: files.map((path) => ({ path })), vocabSize: VOCAB, preTokenizer: 'llama3' });
    const ms = performance.now() - t0;
    const out = join(dir, 'tokenizer');
    await mkdir(out);
    await writeTokenizerFiles(out, trained);
    const tokenizer = await HfTokenizer.fromDir(out);
    const sample = 'Tokenizers: naïve café, 2024 — 東京 👩‍💻\n\tdone.';
    const lossless = tokenizer.decode(tokenizer.encode(sample)) === sample;
    const mb = trained.stats.bytes / 1e6;
    console.log(
      JSON.stringify({
        bench: 'tokenizer',
        case: `bpe-train-${MB}MB`,
        mb: round(mb, 1),
        ms: round(ms, 0),
        mb_per_s: round(mb / (ms / 1000), 2),
        count_ms: round(trained.stats.countMs, 0),
        merge_ms: round(trained.stats.mergeMs, 0),
        vocab_size: tokenizer.vocabSize,
        merges: trained.model.merges.length,
        unique_words: trained.stats.uniqueWords,
        pre_tokens: trained.stats.preTokens,
        lossless,
        peak_rss_mib: peakRssMib(),
        target_s: TARGET_SECONDS,
        load_avg_1m: round(loadavg()[0], 2),
      }),
    );
    if (!lossless) process.exitCode = 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
