/**
 * Builds the quickstart's base model, examples/quickstart-model/, from nothing but this repo:
 *   1. a seeded corpus of short stories (corpus.ts),
 *   2. a byte-level BPE tokenizer learnt from it, with a ChatML chat template (bpe.ts),
 *   3. a small Llama-architecture model pretrained on it with TuneKit's own Trainer and the
 *      causal-LM (pretrain) task, every weight trained,
 * then writes config.json, model.safetensors, generation_config.json and the tokenizer files.
 *
 * Run: npm run quickstart:model   (about 10 minutes on 2 cores; everything is seeded, so a rerun
 * on the same machine gives the same weights; another CPU may differ in the last float bits).
 */
import { CausalLmTask, OrtExecutor, ProgressBarCallback, Trainer, parseTrainingArguments } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { HfTokenizer, createModel, generate, parseModelConfig, saveModel } from '@tunekit/models';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EOS_TOKEN, SPECIAL_TOKENS, countWords, learnMerges, tokenizerConfig, tokenizerJson } from './bpe.js';
import { corpus } from './corpus.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'examples/quickstart-model');
const SEED = 1234;

const CORPUS_STORIES = 20_000;
/** Stories held out of training: their loss says whether the model learnt the language or the lines. */
const HELD_OUT_STORIES = 500;
/** Upper bound on merges; on this corpus learning stops earlier, once every word is one token. */
const MAX_MERGES = 1_500;
const MAX_POSITIONS = 256;

/** A Llama-architecture decoder (as SmolLM, TinyLlama): ~3.6M parameters, ~14 MB in f32. */
const modelConfig = (vocab: number) => ({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  attention_bias: false,
  attention_dropout: 0.0,
  bos_token_id: 0,
  eos_token_id: 2,
  head_dim: 32,
  hidden_act: 'silu',
  hidden_size: 256,
  initializer_range: 0.02,
  intermediate_size: 768,
  max_position_embeddings: MAX_POSITIONS,
  mlp_bias: false,
  num_attention_heads: 8,
  num_hidden_layers: 4,
  num_key_value_heads: 8,
  pretraining_tp: 1,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 10_000.0,
  tie_word_embeddings: true,
  use_cache: true,
  vocab_size: vocab,
});

/** Hugging Face TrainingArguments for the pretraining run: one pass over the corpus. */
const trainingArguments = (outputDir: string) => ({
  output_dir: outputDir,
  num_train_epochs: 1,
  per_device_train_batch_size: 16,
  per_device_eval_batch_size: 16,
  learning_rate: 3e-3,
  lr_scheduler_type: 'cosine',
  warmup_steps: 30,
  weight_decay: 0.01,
  max_grad_norm: 1.0,
  logging_steps: 25,
  save_strategy: 'no',
  seed: SEED,
});

const roundUp = (n: number, multiple: number) => Math.ceil(n / multiple) * multiple;

async function main(): Promise<void> {
  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), 'tunekit-quickstart-'));
  try {
    // 1. Corpus: training stories and a held-out set from one seeded stream.
    const stories = corpus(SEED, CORPUS_STORIES + HELD_OUT_STORIES);
    const trainFile = join(work, 'corpus.txt');
    const heldOutFile = join(work, 'held-out.txt');
    await writeFile(trainFile, `${stories.slice(0, CORPUS_STORIES).join('\n')}\n`);
    await writeFile(heldOutFile, `${stories.slice(CORPUS_STORIES).join('\n')}\n`);

    // 2. Tokenizer, learnt from the training stories only.
    const merges = learnMerges(countWords(stories.slice(0, CORPUS_STORIES)), MAX_MERGES);
    await rm(OUT, { recursive: true, force: true });
    await mkdir(OUT, { recursive: true });
    await writeJson('tokenizer.json', tokenizerJson(merges));
    await writeJson('tokenizer_config.json', tokenizerConfig(MAX_POSITIONS));
    const tokenizer = await HfTokenizer.fromDir(OUT);
    // The embedding is padded to a multiple of 64 rows, as many Hub models pad theirs.
    const vocab = roundUp(tokenizer.vocabSize, 64);
    console.log(`tokenizer: ${merges.length} merges, ${tokenizer.vocabSize} tokens (${SPECIAL_TOKENS.join(' ')}); embedding rows ${vocab}`);

    // 3. Model and data: packed 128-token rows, documents kept apart by the attention mask.
    const raw = modelConfig(vocab);
    const model = createModel(parseModelConfig(raw, join(OUT, 'config.json')), { seed: SEED });
    const params = model.namedParameters().reduce((n, [, p]) => n + p.size, 0);
    console.log(`model: llama, ${params.toLocaleString('en')} parameters (${((params * 4) / 2 ** 20).toFixed(1)} MiB in f32)`);
    const data = await loadDataset({ path: trainFile, format: 'text', max_length: 128, packing: true, validation_path: heldOutFile, seed: SEED }, tokenizer);
    console.log(`corpus: ${data.stats.trainExamples} stories, ${data.stats.tokens.toLocaleString('en')} tokens, ${data.stats.trainRows} packed rows`);

    const args = parseTrainingArguments(trainingArguments(join(work, 'run')));
    const trainer = Trainer.create({
      args,
      task: new CausalLmTask(model, { labelsShiftedInside: true }),
      executor: new OrtExecutor(),
      callbacks: [new ProgressBarCallback()],
    });
    const batches = (split: NonNullable<typeof data.validation>, size: number) => toTrainDataSource(split.batcher(size), { packed: true });
    const heldOut = batches(data.validation!, args.per_device_eval_batch_size);
    const before = await trainer.evaluate(heldOut);
    const result = await trainer.train(batches(data.train, args.per_device_train_batch_size));
    const after = await trainer.evaluate(heldOut);
    console.log(`pretraining: ${result.globalStep} steps, held-out loss ${before.eval_loss.toFixed(3)} -> ${after.eval_loss.toFixed(3)} (perplexity ${after.eval_perplexity.toFixed(2)})`);

    // 4. The model folder, as save_pretrained writes it.
    const eosId = tokenizer.tokenToId(EOS_TOKEN)!;
    await saveModel(model, OUT, { generationConfig: { bos_token_id: 0, eos_token_id: eosId, pad_token_id: 0, transformers_version: '4.46.3' } });

    // A look at what it learnt: a greedy continuation of a held-out story's start.
    const prompt = stories[CORPUS_STORIES].split('. ').slice(0, 3).join('. ') + '.';
    const sample = await generate(model, new OrtExecutor(), { texts: [prompt] }, { tokenizer, maxNewTokens: 40, doSample: false });
    console.log(`sample: ${prompt} [->]${sample.texts[0]}`);

    const size = (await stat(join(OUT, 'model.safetensors'))).size;
    console.log(`wrote ${OUT} (model.safetensors ${(size / 2 ** 20).toFixed(1)} MiB) in ${((performance.now() - started) / 60_000).toFixed(1)} min`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function writeJson(name: string, json: unknown): Promise<void> {
  await writeFile(join(OUT, name), `${JSON.stringify(json, null, 2)}\n`);
}

await main();
