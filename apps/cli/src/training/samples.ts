import { generate } from '@tunekit/models';
import type { RunConfig } from '../config/run-config.types.js';
import type { GenerationContext } from '../evaluation/generation-context.js';

/** Without an evaluation section to borrow from: enough for a sentence or two. */
const DEFAULT_SAMPLE_TOKENS = 64;

/**
 * The config's `samples:` completed greedily after training, printed and returned, for a look at what the
 * model learned. They follow the evaluation section's `chat` and `max_new_tokens` when it has one.
 */
export async function printSamples(config: RunConfig, context: GenerationContext, print: (line: string) => void): Promise<{ prompt: string; completion: string }[]> {
  if (config.samples.length === 0) return [];
  const { model, executor, tokenizer, generationConfig } = context;
  model.train(false);
  const result = await generate(
    model,
    executor,
    { texts: config.samples, chat: config.evaluation?.chat ?? false },
    { tokenizer, generationConfig, maxNewTokens: config.evaluation?.max_new_tokens ?? DEFAULT_SAMPLE_TOKENS, doSample: false },
  );
  config.samples.forEach((prompt, i) => print(`sample ${i + 1}: ${JSON.stringify(prompt)} -> ${JSON.stringify(result.texts[i])}`));
  return config.samples.map((prompt, i) => ({ prompt, completion: result.texts[i] }));
}
