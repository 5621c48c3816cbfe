/**
 * The cases of `bench:methods`: one training method each, all on the quickstart task with the same
 * data, seed, steps and schedule (see SCHEDULE in methods.bench.ts). Only the learning rate differs,
 * because each method's parameters live on a different scale; `lrSource` says where it comes from.
 */
export interface MethodCase {
  /** The row's name in the JSON lines and the README table. */
  readonly name: string;
  /** The config's `method:`. */
  readonly method: string;
  /** The method's options section (`lora:`, `ia3:`, ...); none for `full`. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly learningRate: number;
  readonly lrSource: string;
  /** Train on an NF4 (double-quantized) copy of the base: QLoRA when the method is LoRA. */
  readonly nf4Base?: boolean;
}

/** The quickstart's LoRA: r 16, alpha 32, every linear layer of the decoder. */
const QUICKSTART_LORA = { r: 16, lora_alpha: 32, lora_dropout: 0, target_modules: 'all-linear' };

// LoRA-family rates sit above the 1e-4 to 2e-4 used on billion-parameter models: a 3.6M-parameter
// model tolerates (and this short schedule needs) larger steps; 3e-3 diverges here.
const LORA_LR = 2e-3;

export const METHOD_CASES: readonly MethodCase[] = [
  { name: 'full', method: 'full', learningRate: 3e-4, lrSource: 'full fine-tuning moves every weight, so a rate well under LoRA\'s (~1/7, as Hu et al. 2021 vs their full-FT baselines)' },
  { name: 'lora', method: 'lora', options: QUICKSTART_LORA, learningRate: LORA_LR, lrSource: 'examples/quickstart.yaml\'s 1e-3, doubled for a schedule a third as long' },
  { name: 'qlora', method: 'lora', options: QUICKSTART_LORA, nf4Base: true, learningRate: LORA_LR, lrSource: 'LoRA\'s (Dettmers et al. 2023 train QLoRA with LoRA\'s rates)' },
  { name: 'dora', method: 'lora', options: { ...QUICKSTART_LORA, use_dora: true }, learningRate: LORA_LR, lrSource: 'LoRA\'s (Liu et al. 2024 reuse LoRA\'s rates, often lower)' },
  { name: 'ia3', method: 'ia3', options: {}, learningRate: 3e-3, lrSource: 'T-Few (Liu et al. 2022) and PEFT\'s IA3 examples: 3e-3' },
  { name: 'adapter houlsby', method: 'adapter', options: { config: 'houlsby' }, learningRate: 1e-3, lrSource: 'Houlsby et al. 2019 sweep 3e-5 to 3e-3; AdapterHub recommends 1e-4 to 1e-3 (reduction factor 16)' },
  { name: 'adapter pfeiffer', method: 'adapter', options: { config: 'pfeiffer' }, learningRate: 1e-3, lrSource: 'as Houlsby; Pfeiffer et al. 2021 use 1e-4 on large models' },
  {
    name: 'prompt tuning',
    method: 'prompt_tuning',
    options: { num_virtual_tokens: 20, prompt_tuning_init: 'TEXT', prompt_tuning_init_text: 'Read the story and say the colour of the thing.' },
    learningRate: 3e-2,
    lrSource: 'PEFT\'s prompt-tuning examples 3e-2 (Lester et al. 2021: 0.3 with Adafactor); 20 tokens, text init',
  },
  { name: 'prefix tuning', method: 'prefix_tuning', options: { num_virtual_tokens: 20 }, learningRate: 1e-2, lrSource: 'PEFT\'s prefix-tuning examples 1e-2 (no reparameterisation MLP); 20 tokens' },
];
