/**
 * Runs examples/quickstart.yaml through the library API, without the CLI: held-out accuracy of
 * the base model, the LoRA fine-tune, accuracy again, the adapter saved, a sample answer. It is how
 * the config's numbers were chosen and how they can be re-measured on another machine.
 *
 * Run: npx tsx scripts/quickstart/check-finetune.ts [examples/quickstart.yaml]
 */
import { CausalLmTask, OrtExecutor, ProgressBarCallback, Trainer, parseTrainingArguments } from '@tunekit/core';
import { loadDataset, toTrainDataSource } from '@tunekit/data';
import { type CausalLM, HfTokenizer, generate, loadModel } from '@tunekit/models';
import { LoraModel, parseLoraConfig, saveAdapter } from '@tunekit/peft-lora';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';

interface QuickstartConfig {
  model: string;
  lora: Record<string, unknown>;
  data: { path: string; format: 'auto'; max_length: number };
  training: Record<string, unknown> & { output_dir: string };
  evaluation: { path: string; max_new_tokens: number; chat: boolean };
  samples: string[];
  seed: number;
}

interface TestItem {
  prompt: string;
  answer: string;
}

/** Test items from a `messages` file: the user turn is the prompt, the assistant turn the answer. */
async function readTestSet(path: string): Promise<TestItem[]> {
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  return lines.map((line) => {
    const { messages } = JSON.parse(line) as { messages: { role: string; content: string }[] };
    return { prompt: messages.find((m) => m.role === 'user')!.content, answer: messages.find((m) => m.role === 'assistant')!.content };
  });
}

/** Exact-match accuracy (%) of greedy answers, in batches of 50 prompts. */
async function accuracy(model: CausalLM, tokenizer: HfTokenizer, items: readonly TestItem[], maxNewTokens: number, chat: boolean): Promise<number> {
  const executor = new OrtExecutor();
  let correct = 0;
  for (let at = 0; at < items.length; at += 50) {
    const batch = items.slice(at, at + 50);
    const { texts } = await generate(model, executor, { texts: batch.map((i) => i.prompt), chat }, { tokenizer, maxNewTokens, doSample: false });
    correct += texts.filter((t, i) => t.trim() === batch[i].answer.trim()).length;
  }
  return (100 * correct) / items.length;
}

const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);

async function main(configPath: string): Promise<void> {
  const cfg = parse(await readFile(configPath, 'utf8')) as QuickstartConfig;
  const at = (p: string) => resolve(dirname(configPath), p);
  const { model } = await loadModel(at(cfg.model));
  const tokenizer = await HfTokenizer.fromDir(at(cfg.model));
  const lora = LoraModel.inject(model, parseLoraConfig(cfg.lora), { seed: cfg.seed });
  // The injected adapter weights get their PEFT names (optimizer checkpoints are keyed by name).
  model.nameParameters();
  const tests = await readTestSet(at(cfg.evaluation.path));
  const { max_new_tokens: maxNewTokens, chat } = cfg.evaluation;

  let t = performance.now();
  // The adapter starts as a no-op (B = 0), so this is the base model's accuracy.
  const before = await accuracy(model, tokenizer, tests, maxNewTokens, chat);
  console.log(`accuracy before: ${before.toFixed(1)}% (${seconds(t)} s)`);

  t = performance.now();
  const data = await loadDataset({ ...cfg.data, path: at(cfg.data.path), seed: cfg.seed }, tokenizer);
  const args = parseTrainingArguments({ ...cfg.training, output_dir: at(cfg.training.output_dir) });
  const trainer = Trainer.create({ args, task: new CausalLmTask(model, { labelsShiftedInside: true }), executor: new OrtExecutor(), callbacks: [new ProgressBarCallback()] });
  const result = await trainer.train(toTrainDataSource(data.train.batcher(args.per_device_train_batch_size), { packed: false }));
  console.log(`trained ${result.globalStep} steps, loss ${result.trainingLoss.toFixed(4)} (${seconds(t)} s incl. data)`);

  t = performance.now();
  const after = await accuracy(model, tokenizer, tests, maxNewTokens, chat);
  console.log(`accuracy after: ${after.toFixed(1)}% (${seconds(t)} s)`);
  await saveAdapter(lora, args.output_dir, { baseModel: cfg.model });
  for (const sample of cfg.samples) {
    const { texts } = await generate(model, new OrtExecutor(), { texts: [sample], chat: true }, { tokenizer, maxNewTokens, doSample: false });
    console.log(`sample: ${JSON.stringify(sample)} -> ${JSON.stringify(texts[0])}`);
  }
  console.log(`accuracy: ${before.toFixed(0)}% -> ${after.toFixed(0)}%`);
}

await main(resolve(process.argv[2] ?? 'examples/quickstart.yaml'));
